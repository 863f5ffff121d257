/**
 * The boot-storm benchmark: cluster-sim for N nodes in three modes, side by side in one run —
 * plain HTTP from the head node (what most provisioning tools do), BitTorrent with nodes that
 * stop seeding at once (seeding tail 0), and luna's BitTorrent — with both physical floors:
 * S/B_node (every node must receive the image at its own link rate) and N·S/B_head (plain
 * HTTP cannot beat the head link). Writes the table and a chart to docs/benchmarks.md.
 *
 *   sudo bun scripts/bench-boot-storm.ts [--nodes 1,4,8,16,32] [--size 64] [--node-mbit 50]
 *        [--head-mbit 50] [--modes http,torrent0,torrent] [--smoke] [--write docs/benchmarks.md]
 */
import { cpus } from "node:os";
import { runClusterSim, type SimResult } from "./lib/cluster-sim.ts";
import { replaceSection } from "./lib/docs.ts";

const argv = process.argv.slice(2);
const val = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
};
const smoke = argv.includes("--smoke");
const counts = val("nodes", smoke ? "2" : "1,4,8,16,32")
  .split(",")
  .map(Number);
const size = Number(val("size", smoke ? "8" : "64"));
const nodeMbit = Number(val("node-mbit", "50"));
const headMbit = Number(val("head-mbit", "50"));
const modes = val("modes", "http,torrent0,torrent").split(",");
const writeTo = argv.includes("--write") ? val("write", "docs/benchmarks.md") : undefined;
const luna = val("luna", "dist/luna");

interface Row {
  n: number;
  mode: string;
  last: number;
  median: number;
  headImages: number;
  cpu: number;
  ok: boolean;
}

const rows: Row[] = [];
const sizeBits = size * 1024 * 1024 * 8;
for (const n of counts) {
  for (const mode of modes) {
    const r: SimResult = await runClusterSim({
      luna,
      nodes: n,
      sizeMB: size,
      method: mode === "http" ? "http" : "torrent",
      seedTail: mode === "torrent0" ? 0 : 60,
      nodeMbit,
      headMbit,
      noShaping: smoke,
      timeoutSec: 1800,
      log: (l) => console.error(`bench-boot-storm: N=${n} ${mode}: ${l}`),
    });
    const times = r.nodes.map((x) => x.seconds ?? Number.NaN).sort((a, b) => a - b);
    const row: Row = {
      n,
      mode,
      last: times.at(-1) ?? Number.NaN,
      median: times[Math.floor(times.length / 2)] ?? Number.NaN,
      headImages: r.headTxBytes / r.imageBytes,
      cpu: r.cpuBusy,
      ok: r.nodes.every((x) => x.ok) && new Set(r.nodes.map((x) => x.treeHash)).size === 1,
    };
    rows.push(row);
    console.error(
      `bench-boot-storm: N=${n} ${mode}: last ${row.last.toFixed(1)} s, median ${row.median.toFixed(1)} s, head ${row.headImages.toFixed(2)} images, CPU ${(100 * row.cpu).toFixed(0)}%${row.ok ? "" : " FAILED"}`,
    );
  }
}

const floorNode = sizeBits / (nodeMbit * 1e6);
const table = [
  "| N | mode | last node s | median s | head sent (images) | CPU busy | floor S/B_node s | floor N·S/B_head s | ok |",
  "|---:|---|---:|---:|---:|---:|---:|---:|---|",
  ...rows.map(
    (r) =>
      `| ${r.n} | ${r.mode} | ${r.last.toFixed(1)} | ${r.median.toFixed(1)} | ${r.headImages.toFixed(2)} | ${(100 * r.cpu).toFixed(0)}%${r.cpu > 0.7 ? " (CPU-bound)" : ""} | ${floorNode.toFixed(1)} | ${((r.n * sizeBits) / (headMbit * 1e6)).toFixed(1)} | ${r.ok ? "yes" : "NO"} |`,
  ),
].join("\n");
const header = `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}; image ${size} MiB of random data (uncompressed tar); node links ${nodeMbit} Mbit/s, head link ${headMbit} Mbit/s (tc tbf both ways); ${smoke ? "SMOKE RUN, no shaping" : "full run"}. Modes: http = curl from the head node; torrent0 = aria2c, seeding tail 0; torrent = luna (aria2c seeds until the swarm is done, at most 60 s).`;
console.log(`${header}\n\n${table}`);
if (writeTo) {
  replaceSection(
    writeTo,
    "bench-boot-storm",
    "Boot storm (emulated cluster)",
    `${header}\n\nCommand: \`sudo bun scripts/bench-boot-storm.ts --nodes ${counts.join(",")} --size ${size} --node-mbit ${nodeMbit} --head-mbit ${headMbit} --write ${writeTo}\`\n\n${table}\n\n![time to the last install.success against N](boot-storm.svg)`,
  );
  const { writeChart } = await import("./lib/chart.ts");
  writeChart("docs/boot-storm.svg", rows, { floorNode, perNodeHead: sizeBits / (headMbit * 1e6) });
}
process.exitCode = rows.every((r) => r.ok) ? 0 : 1;
