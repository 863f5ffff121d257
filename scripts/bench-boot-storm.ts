/**
 * The boot-storm benchmark: cluster-sim for N nodes in four modes side by side in one run —
 * plain HTTP from the head node (what most provisioning tools do), a stock swarm (aria2c
 * defaults, no web seed), luna's BitTorrent with a seeding tail of 0 and luna as shipped —
 * over one or more link profiles (head link = ratio × node link). Every row carries its ratio
 * to the floor S/B_node, its flatness T(N)/T(1), where the bytes came from, and whether the
 * machine was the bottleneck (CPU busy > 60 %: INVALID). Ends with a verdict against issue 12's
 * targets; --write puts table, verdict and chart in docs/benchmarks.md, --json keeps the rows.
 *
 *   sudo bun scripts/bench-boot-storm.ts [--nodes 1,4,8,16,32,64] [--size 64] [--node-mbit 50]
 *        [--head-ratio 1,10] [--modes http,stock,torrent0,torrent] [--skip-http-above 16]
 *        [--piece-kb K] [--node-env '{"LUNA_BT_INTERVAL":"2"}'] [--unshaped-control] [--luna dist/luna]
 *        [--smoke] [--write docs/benchmarks.md] [--json rows.json]
 */
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import {
  MODES,
  type Mode,
  measuredRow,
  n1Checks,
  type Profile,
  profileLabel,
  progressLine,
  renderHeader,
  renderTable,
  type StormRow,
  skippedRow,
} from "./lib/bench-storm-report.ts";
import { renderVerdict } from "./lib/bench-storm-verdict.ts";
import { writeChart } from "./lib/chart.ts";
import { runClusterSim } from "./lib/cluster-sim.ts";
import { replaceSection } from "./lib/docs.ts";
import { simOptionsError } from "./lib/sim-options.ts";

const { values: a } = parseArgs({
  args: process.argv.slice(2),
  options: {
    nodes: { type: "string" },
    size: { type: "string" },
    "node-mbit": { type: "string", default: "50" },
    "head-ratio": { type: "string", default: "1" },
    modes: { type: "string" },
    "skip-http-above": { type: "string", default: "16" },
    "piece-kb": { type: "string" },
    "node-env": { type: "string" },
    "unshaped-control": { type: "boolean", default: false },
    luna: { type: "string", default: "dist/luna" },
    smoke: { type: "boolean", default: false },
    write: { type: "string" },
    json: { type: "string" },
  },
});
const numbers = (flag: string, text: string) =>
  text.split(",").map((s) => {
    const v = Number(s);
    if (!(v > 0)) throw new Error(`--${flag} takes positive numbers: ${text}`);
    return v;
  });
const smoke = a.smoke;
// The swarm modes only: in http mode the image itself comes from the daemon's port.
const unshaped = a["unshaped-control"];
const counts = numbers("nodes", a.nodes ?? (smoke ? "2" : "1,4,8,16,32,64"));
const size = numbers("size", a.size ?? (smoke ? "8" : "64"))[0] as number;
const nodeMbit = numbers("node-mbit", a["node-mbit"])[0] as number;
const ratios = numbers("head-ratio", a["head-ratio"]);
const skipHttpAbove = Number(a["skip-http-above"]);
const pieceKB = a["piece-kb"] === undefined ? undefined : numbers("piece-kb", a["piece-kb"])[0];
const nodeEnv =
  a["node-env"] === undefined ? undefined : (JSON.parse(a["node-env"]) as Record<string, string>);
const modes = (a.modes ?? (smoke ? "torrent,stock" : MODES.join(","))).split(",") as Mode[];
for (const m of modes)
  if (!MODES.includes(m)) throw new Error(`Unknown mode: ${m} (choose from ${MODES.join(", ")})`);
if (unshaped && modes.every((m) => m === "http"))
  throw new Error(
    "--unshaped-control applies to the swarm modes only: add stock, torrent0 or torrent to --modes",
  );
// Every row's links must be rates the emulation can run (whole Mbit/s): found before the first row.
for (const headRatio of ratios) {
  const wrong = simOptionsError({
    nodes: Math.max(...counts),
    sizeMB: size,
    seedTail: 60,
    nodeMbit,
    headMbit: nodeMbit * headRatio,
    timeoutSec: 1800,
    method: "torrent",
    unshapedControl: unshaped,
    noShaping: smoke,
  });
  if (wrong) throw new Error(`${wrong} (--node-mbit ${nodeMbit}, --head-ratio ${headRatio})`);
}

const rows: StormRow[] = [];
let imageBytes = size * 1024 * 1024; // until a run measures the packed tar
for (const headRatio of ratios) {
  const profile: Profile = { headRatio, nodeMbit, headMbit: headRatio * nodeMbit };
  for (const n of counts) {
    for (const mode of modes) {
      const tag = `bench-boot-storm: N=${n} ${mode} head ${profileLabel(profile)}`;
      let row: StormRow;
      if (mode === "http" && n > skipHttpAbove) row = skippedRow({ ...profile, n }, imageBytes);
      else {
        const r = await runClusterSim({
          luna: a.luna,
          nodes: n,
          sizeMB: size,
          method: mode === "http" ? "http" : "torrent",
          stock: mode === "stock",
          seedTail: mode === "torrent0" ? 0 : 60,
          nodeEnv,
          pieceKB,
          nodeMbit,
          headMbit: profile.headMbit,
          noShaping: smoke,
          unshapedControl: unshaped && mode !== "http",
          timeoutSec: 1800,
          log: (l) => console.error(`${tag}: ${l}`),
        });
        imageBytes = r.imageBytes;
        row = measuredRow(r, { ...profile, n, mode });
      }
      rows.push(row);
      console.error(`${tag}: ${progressLine(row)}`);
    }
  }
}
// Skipped rows made before the first run used the estimated image size.
const final = rows.map((r) => (r.skipped ? skippedRow(r, imageBytes) : r));

const cpu = cpus();
const header = renderHeader({
  machine: `${cpu.length} × ${cpu[0]?.model.trim() ?? "cpu"}`,
  sizeMB: size,
  imageBytes,
  nodeMbit,
  profiles: ratios.map((r) => ({ headRatio: r, nodeMbit, headMbit: r * nodeMbit })),
  pieceLengths: [...new Set(final.flatMap((r) => (r.pieceLength ? [r.pieceLength] : [])))],
  pieceKB,
  nodeEnv,
  modes,
  smoke,
  unshapedControl: unshaped,
});
const quote = (s: string) => (/^[\w./,:=-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);
const command = [
  "sudo bun scripts/bench-boot-storm.ts",
  ...(smoke ? ["--smoke"] : []),
  `--nodes ${counts.join(",")} --size ${size} --node-mbit ${nodeMbit} --head-ratio ${ratios.join(",")}`,
  `--modes ${modes.join(",")} --skip-http-above ${skipHttpAbove}`,
  ...(pieceKB ? [`--piece-kb ${pieceKB}`] : []),
  ...(nodeEnv ? [`--node-env ${quote(JSON.stringify(nodeEnv))}`] : []),
  ...(unshaped ? ["--unshaped-control"] : []),
  ...(a.luna !== "dist/luna" ? [`--luna ${quote(a.luna)}`] : []),
  ...(a.write ? [`--write ${quote(a.write)}`] : []),
  ...(a.json ? [`--json ${quote(a.json)}`] : []),
].join(" ");
const table = renderTable(final);
const checks = n1Checks(final)
  .map((l) => `- ${l}`)
  .join("\n");
const verdict = renderVerdict(final);
console.log(`${header}\n\nCommand: \`${command}\`\n\n${table}\n\n${checks}\n\n${verdict}`);

if (a.write) {
  const chartRatio = ratios.includes(1) ? 1 : (ratios[0] as number);
  const chartRows = final.filter((r) => r.headRatio === chartRatio && !r.skipped);
  writeChart(join(dirname(a.write), "boot-storm.svg"), chartRows, {
    floorNode: (imageBytes * 8) / (nodeMbit * 1e6),
    title: `${size} MiB image, node links ${nodeMbit} Mbit/s, head link ${chartRatio}×`,
  });
  replaceSection(
    a.write,
    "bench-boot-storm",
    "Boot storm (emulated cluster)",
    `${header}\n\nCommand: \`${command}\`\n\n${table}\n\n${checks}\n\n${verdict}\n\n![time to the last install.success against N, head link ${chartRatio}×](boot-storm.svg)`,
  );
}
if (a.json) writeFileSync(a.json, `${JSON.stringify({ command, header, rows: final }, null, 2)}\n`);
process.exitCode = final.every((r) => r.ok) ? 0 : 1;
