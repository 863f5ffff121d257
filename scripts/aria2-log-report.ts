/**
 * Where each node's bytes came from, second by second, read from aria2c's info logs of an
 * emulated storm (scripts/lib/aria2-log.ts): from the head node's seeder or from peers, what
 * arrived twice, how many peers unchoked the node, and when it was 40 / 20 (aria2c's endgame) /
 * 10 / 5 / 1 / 0 pieces short. Nodes are listed by their last piece, slowest last.
 *
 *   sudo bun scripts/cluster-sim.ts --nodes 16 --size 16 --node-mbit 10 --head-mbit 10 --keep \
 *        --node-env '{"LUNA_ARIA2_OPTS":"--log=- --log-level=info"}'
 *   bun scripts/aria2-log-report.ts --dir /tmp/luna-sim-XXXXXX [--seeder 10.30.255.254]
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { earliest, readNodeLog, renderNode } from "./lib/aria2-log.ts";

const { values: a } = parseArgs({
  args: process.argv.slice(2),
  options: { dir: { type: "string" }, seeder: { type: "string" }, help: { type: "boolean", short: "h" } },
});
if (a.help || !a.dir) {
  console.log(
    "usage: bun scripts/aria2-log-report.ts --dir <folder kept by cluster-sim --keep> [--seeder IP]\n" +
      "Per node and second: Mbit/s from the seeder / from peers, and the peers unchoking it.",
  );
  process.exit(a.help ? 0 : 2);
}
const dir = a.dir;
const files = readdirSync(dir)
  .filter((f) => /^node\d+\.log$/.test(f))
  .sort((x, y) => Number(x.replace(/\D/g, "")) - Number(y.replace(/\D/g, "")));
const texts = files.map((f) => readFileSync(join(dir, f), "utf8"));
if (!texts.some((t) => t.includes("[INFO]"))) {
  console.error(
    `No aria2c info logs in ${dir}: run cluster-sim with --keep and --node-env '{"LUNA_ARIA2_OPTS":"--log=- --log-level=info"}'.`,
  );
  process.exit(1);
}
const pieces = Math.max(...texts.map((t) => t.match(/we got new piece\./g)?.length ?? 0));
const t0 = earliest(texts);
const nodes = files.map((f, i) => ({
  name: f.replace(/\.log$/, ""),
  n: readNodeLog(texts[i] as string, t0, a.seeder ?? "10.30.255.254", pieces),
}));
nodes.sort((x, y) => (x.n.lastPiece ?? 0) - (y.n.lastPiece ?? 0));
console.log(
  `${pieces} pieces; seconds from the first log line; Mbit/s from the seeder / from peers : peers unchoking`,
);
for (const { name, n } of nodes) console.log(renderNode(name, n));
