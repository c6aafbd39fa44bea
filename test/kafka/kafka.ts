// Apache Kafka's jars (`npm run kafka:fetch` puts them in .cache/kafka/libs/)
// and a way to run one of its main classes on them.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../support/cli.ts";

export const kafkaLibs = join(repoRoot, ".cache", "kafka", "libs");
export const kafkaLog4j = join(repoRoot, "test", "kafka", "log4j2.properties");

/** Throws, saying what to run, when the jars are not there. */
export function requireKafkaLibs(): void {
  if (!existsSync(join(kafkaLibs, ".pom-sha256"))) {
    throw new Error(`Apache Kafka's jars are not in ${kafkaLibs}: run \`npm run kafka:fetch\` (needs Java 17+ and Maven)`);
  }
}

/** The `java` arguments that run `mainClass` from Kafka's jars, its logging to standard error. */
export function javaArgs(mainClass: string, args: readonly string[], jvm: readonly string[] = []): string[] {
  const heap = jvm.some((option) => option.startsWith("-Xmx")) ? [] : ["-Xmx512m"];
  return [...heap, `-Dlog4j2.configurationFile=${kafkaLog4j}`, ...jvm, "-cp", join(kafkaLibs, "*"), mainClass, ...args];
}

export interface JavaResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `mainClass` to the end. */
export function runJava(mainClass: string, args: readonly string[], input = ""): JavaResult {
  const result = spawnSync("java", javaArgs(mainClass, args), { input, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
