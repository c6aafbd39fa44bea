// Where the reader is: the lesson and its parameters, kept in the URL's hash
// so that a shared link reproduces exactly what someone saw (scenario, seed,
// step). Lessons read parameters from here and write them back here.

import { signal } from "@preact/signals";

export interface Route {
  readonly lesson: string;
  readonly params: URLSearchParams;
}

function parse(hash: string): Route {
  const [path = "", query = ""] = hash.replace(/^#\/?/, "").split("?");
  return { lesson: path, params: new URLSearchParams(query) };
}

function format(route: Route): string {
  const query = route.params.toString();
  return `#/${route.lesson}${query === "" ? "" : `?${query}`}`;
}

export const route = signal<Route>(parse(location.hash));

addEventListener("hashchange", () => {
  route.value = parse(location.hash);
});

/** Opens a lesson (a new history entry, so Back returns to the previous one). */
export function navigate(lesson: string, params: Record<string, string> = {}): void {
  location.hash = format({ lesson, params: new URLSearchParams(params) });
}

/** Updates parameters of the current lesson in place (no history entry per step). */
export function setParams(updates: Readonly<Record<string, string | number | boolean | null>>): void {
  const params = new URLSearchParams(route.value.params);
  for (const [name, value] of Object.entries(updates)) {
    if (value === null) params.delete(name);
    else params.set(name, String(value));
  }
  const next = { lesson: route.value.lesson, params };
  history.replaceState(null, "", format(next));
  route.value = next;
}

/** A numeric parameter, or `fallback` when it is absent or not a number in [min, max]. */
export function numberParam(name: string, fallback: number, min = -Infinity, max = Infinity): number {
  const raw = route.value.params.get(name);
  if (raw === null || raw.trim() === "") return fallback;
  const value = Number(raw);
  return Number.isFinite(value) && value >= min && value <= max ? value : fallback;
}

export function booleanParam(name: string, fallback: boolean): boolean {
  const raw = route.value.params.get(name);
  return raw === null ? fallback : raw === "1" || raw === "true";
}
