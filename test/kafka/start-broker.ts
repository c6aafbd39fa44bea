// `npm run kafka [-- --port N]`: starts one Apache Kafka broker (KRaft, one
// node, loopback only) from the jars `npm run kafka:fetch` put in
// .cache/kafka/libs/, prints its bootstrap address and runs until Ctrl-C. Its
// log dir is kept, for `loglab consume --data-dir` or Kafka's tools to read.

import process from "node:process";
import { startKafkaBroker } from "./broker.ts";

const portAt = process.argv.indexOf("--port");
const port = portAt === -1 ? undefined : Number(process.argv[portAt + 1]);
if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
  console.error("usage: npm run kafka [-- --port N]");
  process.exit(2);
}
console.log("starting Apache Kafka (one KRaft node)…");
const broker = await startKafkaBroker(port === undefined ? {} : { port });
console.log(`Kafka is up: bootstrap ${broker.bootstrap}`);
console.log(`log dir: ${broker.logDir}`);
console.log("Ctrl-C stops it.");
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log(`Kafka stopped (${await broker.stop()}); its log dir stays at ${broker.logDir}`);
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
