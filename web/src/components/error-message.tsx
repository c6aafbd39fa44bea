// How a refused action is shown: the error's Kafka name (when it has one) and its message.

import { LoglabError } from "../../../src/index.ts";

export function ErrorMessage({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  const code = error instanceof LoglabError ? `${error.code}: ` : "";
  const message = error instanceof Error ? error.message : String(error);
  return <p class="problem" role="alert">{code}{message}</p>;
}
