// Runs Java (a main class from Kafka's jars, or a single-file program) without blocking the event loop, for the
// tests that serve Kafka's clients from this same Node process: spawnSync would stall the server they talk to.

import { spawn } from "node:child_process";
import { type JavaResult, javaArgs, requireKafkaLibs } from "./kafka.ts";

/** How long one Java tool or program may run on a busy 2-core machine. */
export const JAVA_RUN_MS = 150_000;

/** Runs `java` with `args` to the end, feeding `input` on standard input; kills it after JAVA_RUN_MS. */
export function runJavaAsync(mainClassOrSource: string, args: readonly string[], input = ""): Promise<JavaResult> {
  requireKafkaLibs();
  return new Promise((resolve, reject) => {
    const child = spawn("java", javaArgs(mainClassOrSource, args), { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => void (stdout += text));
    child.stderr.setEncoding("utf8").on("data", (text: string) => void (stderr += text));
    const timer = setTimeout(() => child.kill("SIGKILL"), JAVA_RUN_MS);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(input);
  });
}
