// One Apache Kafka broker in KRaft mode (a single node that is broker and
// controller), listening on loopback only, its log dir in a temporary folder
// formatted with Kafka's StorageTool, replication factors 1 and a 1 GiB heap.

import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { javaArgs, requireKafkaLibs, runJava } from "./kafka.ts";

/** How long a broker on a busy 2-core machine may take to start or stop. */
const STARTUP_MS = 120_000;
const SHUTDOWN_MS = 60_000;

/** A port nothing listens on now (the OS's choice). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface KafkaBroker {
  /** host:port of the PLAINTEXT listener. */
  readonly bootstrap: string;
  /** The broker's log.dirs: one folder per partition, in Kafka's layout. */
  readonly logDir: string;
  /** What the broker logged (warnings and errors, and that it started). */
  output(): string;
  /** Shuts the broker down cleanly (SIGTERM) and waits for it to exit; returns how it ended ("exit 0", "SIGTERM", …). */
  stop(): Promise<string>;
  /** stop(), then removes the temporary folder. */
  dispose(): Promise<void>;
}

export interface KafkaBrokerOptions {
  /** Extra broker settings (server.properties lines). */
  readonly config?: Readonly<Record<string, string>>;
  /** Forwards the broker's log lines here as well. */
  readonly echo?: (chunk: string) => void;
  /** The PLAINTEXT listener's port (default: one the OS picks). */
  readonly port?: number;
}

export async function startKafkaBroker(options: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
  requireKafkaLibs();
  const root = mkdtempSync(join(tmpdir(), "loglab-kafka-"));
  const logDir = join(root, "data");
  mkdirSync(logDir);
  const [brokerPort, controllerPort] = [options.port ?? await freePort(), await freePort()];
  const settings: Record<string, string> = {
    "process.roles": "broker,controller",
    "node.id": "1",
    "controller.quorum.voters": `1@127.0.0.1:${controllerPort}`,
    "listeners": `PLAINTEXT://127.0.0.1:${brokerPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    "advertised.listeners": `PLAINTEXT://127.0.0.1:${brokerPort}`,
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "log.dirs": logDir,
    "num.partitions": "1",
    "offsets.topic.replication.factor": "1",
    "offsets.topic.num.partitions": "1",
    "transaction.state.log.replication.factor": "1",
    "transaction.state.log.min.isr": "1",
    "transaction.state.log.num.partitions": "1",
    "share.coordinator.state.topic.replication.factor": "1",
    "share.coordinator.state.topic.min.isr": "1",
    "group.initial.rebalance.delay.ms": "0",
    ...options.config,
  };
  const properties = join(root, "server.properties");
  writeFileSync(properties, Object.entries(settings).map(([key, value]) => `${key}=${value}\n`).join(""));
  // A cluster id is 16 random bytes, base64url without padding; given as --cluster-id=ID, since one starting with
  // "-" would otherwise be read as an option.
  const format = runJava("kafka.tools.StorageTool", ["format", `--cluster-id=${randomBytes(16).toString("base64url")}`, "-c", properties]);
  if (format.status !== 0) throw new Error(`kafka-storage format failed (${format.status}): ${format.stderr}${format.stdout}`);

  const child: ChildProcess = spawn("java", javaArgs("kafka.Kafka", [properties], ["-Xmx1g", "-Xms256m"]), { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<string>((resolve) => child.once("exit", (code, signal) => resolve(code === null ? String(signal) : `exit ${code}`)));
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Kafka did not start within ${STARTUP_MS} ms:\n${output}`)), STARTUP_MS);
    const listen = (chunk: Buffer) => {
      output += chunk.toString();
      options.echo?.(chunk.toString());
      if (output.includes("Kafka Server started")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", listen);
    child.stderr!.on("data", listen);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`Kafka ended (${code}) before it started:\n${output}`));
    });
  });
  try {
    await started;
  } catch (error) {
    child.kill("SIGKILL");
    rmSync(root, { recursive: true, force: true });
    throw error;
  }

  let stopping: Promise<string> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), SHUTDOWN_MS);
      const code = await exited;
      clearTimeout(timer);
      return code;
    })();
    return stopping;
  };
  return {
    bootstrap: `127.0.0.1:${brokerPort}`,
    logDir,
    output: () => output,
    stop,
    async dispose() {
      await stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
