/**
 * scripts/link-check: what the emulated links carry with plain bulk TCP (no BitTorrent), the
 * baseline a boot storm's link use is read against (docs/benchmarks.md, "Boot storm: sixth
 * pass"). Every node sends to the next FANOUT nodes round a ring; prints each downlink's rate.
 *
 *   sudo bun scripts/link-check.ts [--nodes 16] [--fanout 4] [--mbit 3] [--seconds 10] [--json]
 */
import { parseArgs } from "node:util";
import { linkCheckError, runLinkCheck } from "./lib/link-check.ts";

const HELP = `usage: sudo bun scripts/link-check.ts [--nodes 16] [--fanout 4] [--mbit 3] [--seconds 10] [--json]

Builds the boot-storm emulation's network (namespaces, bridge, tc tbf both ways, as cluster-sim
does) and has every node send bulk TCP to the next FANOUT nodes at once, so every uplink and
every downlink is loaded. Prints what each node received per second (IP bytes, Mbit/s) against
the links' rate. Needs root.`;

const { values: a } = parseArgs({
  args: process.argv.slice(2),
  options: {
    nodes: { type: "string", default: "16" },
    fanout: { type: "string", default: "4" },
    mbit: { type: "string", default: "3" },
    seconds: { type: "string", default: "10" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (a.help) {
  console.log(HELP);
  process.exit(0);
}
const num = (flag: string, text: string, min: number) => {
  const v = Number(text);
  if (!Number.isInteger(v) || v < min) {
    console.error(`link-check: --${flag} takes a whole number ≥ ${min}, not "${text}"`);
    process.exit(2);
  }
  return v;
};
const nodes = num("nodes", a.nodes, 2);
const fanout = num("fanout", a.fanout, 1);
const mbit = num("mbit", a.mbit, 1);
const seconds = num("seconds", a.seconds, 1);
const wrong = linkCheckError({ nodes, fanout, mbit, seconds });
if (wrong) {
  console.error(`link-check: ${wrong}`);
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  console.error("link-check: needs root (network namespaces, veth, tc): run it with sudo");
  process.exit(2);
}
const r = await runLinkCheck({ nodes, fanout, mbit, seconds });
const sorted = [...r.rxMbit].sort((x, y) => x - y);
const at = (k: number) => sorted[k] ?? Number.NaN;
if (a.json) console.log(JSON.stringify({ nodes, fanout, mbit, ...r }));
else {
  for (const [i, v] of r.rxMbit.entries())
    console.log(`node${String(i + 1).padStart(3, "0")}\t${v.toFixed(2)} Mbit/s`);
  console.log(
    `N=${nodes}, fanout ${fanout}, links ${mbit} Mbit/s, ${r.seconds.toFixed(1)} s: downlinks received min ${at(0).toFixed(2)}, median ${at(nodes >> 1).toFixed(2)}, max ${at(nodes - 1).toFixed(2)} Mbit/s (${((at(nodes >> 1) / mbit) * 100).toFixed(0)} % of the link at the median)`,
  );
}
