// Runs an async read of the log whenever its inputs change, and keeps the
// latest answer; an answer that arrives after a newer read started is dropped.

import { useEffect, useState } from "preact/hooks";

export function useAsync<T>(read: () => Promise<T>, inputs: readonly unknown[]): { value: T | undefined; error: unknown } {
  const [state, setState] = useState<{ value: T | undefined; error: unknown }>({ value: undefined, error: undefined });
  useEffect(() => {
    let current = true;
    read().then(
      (value) => current && setState({ value, error: undefined }),
      (error: unknown) => current && setState((previous) => ({ value: previous.value, error })),
    );
    return () => {
      current = false;
    };
  }, inputs);
  return state;
}
