// The numbers `loglab serve` answers with are Kafka's own: every entry of
// loglab's error-code table equals the code of the same name in the Errors
// enum of Kafka's client jar.

import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { KAFKA_ERROR_CODES } from "../../src/wire/index.ts";
import { kafkaLibs, requireKafkaLibs } from "./kafka.ts";

it("every error code loglab serves is the code Kafka's Errors enum gives that name", () => {
  requireKafkaLibs();
  const source = fileURLToPath(new URL("PrintErrors.java", import.meta.url));
  const printed = spawnSync("java", ["-cp", join(kafkaLibs, "*"), source], { encoding: "utf8" });
  expect(printed.status, printed.stderr).toBe(0);
  const kafka = new Map(printed.stdout.trim().split("\n").map((line) => {
    const [name, code] = line.split(" ");
    return [name!, Number(code)] as const;
  }));
  expect(kafka.size).toBeGreaterThan(100);
  const ours = Object.entries(KAFKA_ERROR_CODES);
  expect(ours.length).toBeGreaterThan(20);
  expect(ours.filter(([name, code]) => kafka.get(name) !== code)).toEqual([]);
});
