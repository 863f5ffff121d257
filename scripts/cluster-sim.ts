/**
 * scripts/cluster-sim: boots an emulated cluster once and prints each node's install time and
 * where its bytes came from, then a summary (head copies, bytes by source, CPU). The levers of
 * docs/benchmarks.md ("Boot storm: levers") were measured with it, one binary per variant.
 *
 *   sudo bun scripts/cluster-sim.ts [--nodes 8] [--size 64] [--method torrent|http] [--stock]
 *        [--seed-tail 60] [--node-mbit 50] [--head-mbit 50] [--piece-kb K]
 *        [--node-env '{"LUNA_BT_INTERVAL":"1"}'] [--daemon-env '{"LUNA_SEEDER":"aria2c"}']
 *        [--timeline] [--no-shaping] [--unshaped-control] [--no-admin] [--timeout 600] [--keep]
 *        [--luna dist/luna]
 *        [--fault KIND]... [--fault-at 0.3] [--fault-hold S] [--fault-node I] [--compare] [--json FILE]
 */
import { writeFileSync } from "node:fs";
import { runClusterSim, type SimOptions, type SimResult } from "./lib/cluster-sim.ts";
import { FAULT_KINDS, type FaultKind } from "./lib/sim-faults.ts";
import { simOptionsError } from "./lib/sim-options.ts";
import { packetLine } from "./lib/sim-packets.ts";

const HELP = `usage: sudo env PATH=$PATH bun scripts/cluster-sim.ts [options]

Boots an emulated cluster (network namespaces, the real daemon and install script) once and
prints each node's install time and where its bytes came from.

  --nodes N            nodes (8)                 --size MB          image size (64)
  --method torrent|http  (torrent)               --stock            aria2c defaults, no luna script
  --seed-tail S        seeding tail (60)         --piece-kb K       torrent piece size
  --node-mbit M        node links (50)           --head-mbit M      head link (50)
  --node-env JSON      install script env        --daemon-env JSON  daemon env (LUNA_SEEDER…)
  --timeline           link rates every second   --no-shaping       no tc shaping
  --no-admin           the daemon without its admin listener (metrics, status page)
  --unshaped-control   the daemon's HTTP (boot menu, install script, torrent, reports and
                       announces: a fixed size a node) leaves the head unshaped, as on a
                       full-scale link; torrent modes only, not with --fault netem|seeder-kill
  --timeout S          kill everything after S (600)   --keep       keep the temp folder
  --luna PATH          the binary (dist/luna)

Faults (docs/reliability.md); --fault may be given more than once:
  --fault daemon-kill  SIGKILL the daemon at --fault-at of the storm's bytes, restart it
                       (same store and port) --fault-hold s later (5)
  --fault seeder-kill  the head node's seeder dies at --fault-at: every head port but the
                       daemon's answers with TCP resets until the end
  --fault netem        1 % loss and 50 ms delay on every link, both directions (tc netem;
                       loss only, by nftables, where the kernel has no sch_netem)
  --fault node-reboot  node --fault-node (the middle one) loses its processes and RAM when it
                       has --fault-at of the image, then boots again from discovery
  --fault disk-full    the store lives on a small tmpfs; at --fault-at it is filled for
                       --fault-hold s (10), then freed; nodes run the dracut loader's retry
  --fault script-kill  the install script of node --fault-node is SIGKILLed mid-unpack; nodes
                       run the dracut loader's retry (its unpack is slowed to ~2.5 MiB/s)
  --compare            run a clean storm first with the same options, print both
  --json FILE          write the result(s) as JSON

Exit status: 0 when every node finished and every fault check held, 1 otherwise.`;

const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h")) {
  console.log(HELP);
  process.exit(0);
}
const val = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
};
const faults = argv.flatMap((a, i) => (a === "--fault" ? [argv[i + 1] ?? ""] : []));
for (const f of faults) {
  if (!(FAULT_KINDS as readonly string[]).includes(f)) {
    console.error(`cluster-sim: unknown fault '${f}'; one of ${FAULT_KINDS.join(", ")}`);
    process.exit(2);
  }
}
const json = (name: string): Record<string, string> => {
  try {
    return JSON.parse(val(name, "{}")) as Record<string, string>;
  } catch {
    console.error(`cluster-sim: --${name} takes a JSON object, e.g. '{"LUNA_BT_INTERVAL":"1"}'`);
    process.exit(2);
  }
};
const options: SimOptions = {
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
  unshapedControl: argv.includes("--unshaped-control"),
  noAdmin: argv.includes("--no-admin"),
  timeoutSec: Number(val("timeout", "600")),
  keep: argv.includes("--keep"),
  log: (l) => console.error(`cluster-sim: ${l}`),
  faults: faults as FaultKind[],
  faultOptions: {
    at: argv.includes("--fault-at") ? Number(val("fault-at", "0.3")) : undefined,
    holdSec: argv.includes("--fault-hold") ? Number(val("fault-hold", "5")) : undefined,
    node: argv.includes("--fault-node") ? Number(val("fault-node", "1")) : undefined,
  },
};
const wrong = simOptionsError(options);
if (wrong) {
  console.error(`cluster-sim: ${wrong}`);
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  console.error(
    "cluster-sim: needs root (it creates network namespaces, veth pairs and tc qdiscs); run it with sudo",
  );
  process.exit(2);
}
const clean = argv.includes("--compare") ? await runClusterSim({ ...options, faults: [] }) : undefined;
if (clean) print(clean, "clean");
const r = await runClusterSim(options);
print(r, faults.length ? faults.join("+") : "run");
if (clean) {
  const last = (x: SimResult) => Math.max(...x.nodes.map((n) => n.seconds ?? Number.NaN));
  console.log(
    `compare: last node ${last(clean).toFixed(1)} s clean, ${last(r).toFixed(1)} s with ${faults.join("+") || "nothing"} (${(last(r) / last(clean)).toFixed(2)} ×); head sent ${(clean.headTxBytes / clean.imageBytes).toFixed(2)} vs ${(r.headTxBytes / r.imageBytes).toFixed(2)} images`,
  );
}
if (argv.includes("--json")) {
  writeFileSync(
    val("json", "cluster-sim.json"),
    `${JSON.stringify({ options: { ...options, log: undefined }, clean, result: r }, null, 2)}\n`,
  );
}
const held = r.faults.every((f) => f.checks.every((c) => c.ok));
process.exitCode = r.nodes.every((n) => n.ok) && held ? 0 : 1;

function print(r: SimResult, label: string) {
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
  // http streams and unpacks in one stage, and the stock agent reports no stages between
  const d = r.nodes
    .flatMap((n) => (n.downloadSeconds === undefined ? [] : [n.downloadSeconds]))
    .sort((a, b) => a - b);
  if (d.length > 0)
    console.log(
      `download stage alone (install.download to install.unpack), ${d.length} of ${r.nodes.length} nodes: median ${d[Math.floor(d.length / 2)]?.toFixed(1)} s, last ${d.at(-1)?.toFixed(1)} s`,
    );
  if (r.packets) console.log(packetLine(r.packets));
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
  for (const f of r.faults) {
    const facts = Object.entries(f.facts)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    console.log(
      `fault ${f.kind}: at ${f.injectedAt?.toFixed(1) ?? "-"} s, progress ${f.progress === undefined ? "-" : `${(100 * f.progress).toFixed(0)}%`}; ${facts}`,
    );
    for (const c of f.checks) console.log(`  ${c.ok ? "ok    " : "FAILED"} ${c.what}: ${c.detail}`);
  }
  console.log(`(${label})`);
}
