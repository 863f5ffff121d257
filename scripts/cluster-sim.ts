/**
 * scripts/cluster-sim: boots an emulated cluster once and prints each node's install time.
 *
 *   sudo bun scripts/cluster-sim.ts [--nodes 8] [--size 64] [--method torrent|http]
 *        [--seed-tail 60] [--node-mbit 50] [--head-mbit 50] [--no-shaping] [--timeout 600] [--keep]
 */
import { runClusterSim } from "./lib/cluster-sim.ts";

const argv = process.argv.slice(2);
const val = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
};
if (process.getuid?.() !== 0) {
  console.error(
    "cluster-sim: needs root (it creates network namespaces, veth pairs and tc qdiscs); run it with sudo",
  );
  process.exit(2);
}
const luna = val("luna", "dist/luna");
const r = await runClusterSim({
  luna,
  nodes: Number(val("nodes", "8")),
  sizeMB: Number(val("size", "64")),
  method: val("method", "torrent") as "torrent" | "http",
  seedTail: Number(val("seed-tail", "60")),
  nodeMbit: Number(val("node-mbit", "50")),
  headMbit: Number(val("head-mbit", "50")),
  noShaping: argv.includes("--no-shaping"),
  timeoutSec: Number(val("timeout", "600")),
  keep: argv.includes("--keep"),
  log: (l) => console.error(`cluster-sim: ${l}`),
});
for (const n of r.nodes)
  console.log(`${n.name}\t${n.ok ? "ok" : "FAILED"}\t${n.seconds?.toFixed(1) ?? "-"} s\t${n.treeHash}`);
console.log(
  `wall ${r.wallSeconds.toFixed(1)} s, head sent ${(r.headTxBytes / 1e6).toFixed(0)} MB (${(r.headTxBytes / r.imageBytes).toFixed(2)} images), CPU busy ${(100 * r.cpuBusy).toFixed(0)}%`,
);
process.exitCode = r.nodes.every((n) => n.ok) ? 0 : 1;
