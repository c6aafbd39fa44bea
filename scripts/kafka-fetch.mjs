// `npm run kafka:fetch`: resolves test/kafka/pom.xml (Apache Kafka's broker,
// tools and clients) with Maven and copies every jar to .cache/kafka/libs/,
// Maven's own repository kept in .cache/m2. Does nothing when the jars for
// this pom.xml are already there.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pom = join(root, "test", "kafka", "pom.xml");
const libs = join(root, ".cache", "kafka", "libs");
const stamp = join(libs, ".pom-sha256");
const digest = createHash("sha256").update(readFileSync(pom)).digest("hex");

if (existsSync(stamp) && readFileSync(stamp, "utf8") === digest) {
  console.log(`kafka:fetch: ${libs} is up to date`);
  process.exit(0);
}
rmSync(libs, { recursive: true, force: true });
mkdirSync(libs, { recursive: true });
const mvn = process.platform === "win32" ? "mvn.cmd" : "mvn";
const args = [
  "-q", "-B", "-f", pom, "dependency:copy-dependencies",
  `-DoutputDirectory=${libs}`, `-Dmaven.repo.local=${join(root, ".cache", "m2")}`,
];
console.log(`kafka:fetch: ${mvn} ${args.join(" ")}`);
const result = spawnSync(mvn, args, { cwd: root, stdio: "inherit" });
if (result.error !== undefined) {
  console.error(`kafka:fetch: could not run ${mvn}: ${result.error.message}`);
  process.exit(1);
}
if (result.status !== 0) process.exit(result.status ?? 1);
writeFileSync(stamp, digest);
