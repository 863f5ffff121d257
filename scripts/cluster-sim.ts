/**
 * scripts/cluster-sim: boots an emulated cluster once and prints each node's install time and
 * where its bytes came from, then a summary (head copies, bytes by source, CPU). The levers of
 * docs/benchmarks.md ("Boot storm: levers") were measured with it, one binary per variant.
 *
 *   sudo bun scripts/cluster-sim.ts [--nodes 8] [--size 64] [--method torrent|http] [--stock]
 *        [--seed-tail 60] [--node-mbit 50] [--head-mbit 50] [--piece-kb K]
 *        [--node-env '{"LUNA_BT_INTERVAL":"1"}'] [--daemon-env '{"LUNA_SEEDER":"aria2c"}']
 *        [--timeline] [--no-shaping] [--timeout 600] [--keep] [--luna dist/luna]
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
const json = (name: string): Record<string, string> => {
  try {
    return JSON.parse(val(name, "{}")) as Record<string, string>;
  } catch {
    console.error(`cluster-sim: --${name} takes a JSON object, e.g. '{"LUNA_BT_INTERVAL":"1"}'`);
    process.exit(2);
  }
};
const r = await runClusterSim({
  luna: val("luna", "dist/luna"),
  nodes: Number(val("nodes", "8")),
  sizeMB: Number(val("size", "64")),
  method: val("method", "torrent") as "torrent" | "http",
  stock: argv.includes("--stock"),
  seedTail: Number(val("seed-tail", "60")),
  nodeMbit: Number(val("node-mbit", "50")),
  headMbit: Number(val("head-mbit", "50")),
  pieceKB: argv.includes("--piece-kb") ? Number(val("piece-kb", "0")) : undefined,
  nodeEnv: json("node-env"),
  daemonEnv: json("daemon-env"),
  timeline: argv.includes("--timeline"),
  noShaping: argv.includes("--no-shaping"),
  timeoutSec: Number(val("timeout", "600")),
  keep: argv.includes("--keep"),
  log: (l) => console.error(`cluster-sim: ${l}`),
});
const S = r.imageBytes;
const copies = (b: number) => (b / S).toFixed(2);
for (const n of r.nodes)
  console.log(
    `${n.name}\t${n.ok ? "ok" : "FAILED"}\t${n.seconds?.toFixed(1) ?? "-"} s\tfrom web ${copies(n.bytes.fromWeb)}, seeder ${copies(n.bytes.fromSeeder)}, peers ${copies(n.bytes.fromPeers)}; sent ${copies(n.bytes.sent)}\t${n.treeHash}`,
  );
const sum = (k: "fromWeb" | "fromSeeder" | "fromPeers") => r.nodes.reduce((s, n) => s + n.bytes[k], 0);
const t = r.nodes.map((n) => n.seconds ?? Number.NaN).sort((a, b) => a - b);
console.log(
  `N=${r.nodes.length}: first ${t[0]?.toFixed(1)} s, median ${t[Math.floor(t.length / 2)]?.toFixed(1)} s, last ${t.at(-1)?.toFixed(1)} s; head sent ${copies(r.headTxBytes)} images (nodes got from web ${copies(sum("fromWeb"))}, seeder ${copies(sum("fromSeeder"))}, peers ${copies(sum("fromPeers"))}); pieces ${r.pieceLength / 1024} KiB; CPU busy ${(100 * r.cpuBusy).toFixed(0)}%`,
);
for (let i = 2; i < (r.timeline?.length ?? 0); i += 2) {
  const a = r.timeline?.[i - 2];
  const b = r.timeline?.[i];
  if (!a || !b) break;
  const dt = b.t - a.t;
  const rates = b.nodeRx
    .map((x, k) => ((x - (a.nodeRx[k] ?? 0)) * 8) / dt / 1e6)
    .filter((x) => !Number.isNaN(x));
  const avg = rates.reduce((s, x) => s + x, 0) / Math.max(1, rates.length);
  console.log(
    `t=${b.t.toFixed(0)} s: head sends ${(((b.headTx - a.headTx) * 8) / dt / 1e6).toFixed(1)} Mbit/s; nodes receive ${avg.toFixed(1)} Mbit/s on average (min ${Math.min(...rates).toFixed(1)}), ${rates.length} running`,
  );
}
process.exitCode = r.nodes.every((n) => n.ok) ? 0 : 1;
