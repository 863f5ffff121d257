/**
 * Runs the boot-storm swarm model (scripts/lib/swarm-model.ts) for a list of node counts and
 * prints a markdown table (or JSON lines): time to the last node and the median, against the
 * floor S/B_node, how many copies of the image left the head node, and the share of bytes the
 * nodes got from each other. Sizes are MiB and KiB; rates Mbit/s (10^6 bit/s).
 *
 *   bun scripts/swarm-model.ts --nodes 1,36,72 --size-mb 1024 --piece-kb 1024 --node-mbit 1000
 *       --head-mbit 1000 [--rack 40 --rack-uplink-mbit 10000] [--tracker random|rack|pieces]
 *       [--seeder normal|superseed] [--web-seed off|always|fallback] [--http] [--interval 5]
 *       [--slots 4] [--head-slots 4] [--spread 0] [--seed-tail inf] [--rarity peers|swarm]
 *       [--efficiency 0.95] [--uplink-share 1] [--request-latency 0] [--seed-ratio inf]
 *       [--dt 0.1] [--seed 1] [--json]
 * The calibrated values of --uplink-share and --request-latency are in docs/benchmarks.md
 * (scripts/swarm-calibrate.ts fits them).
 */
import { type SwarmOptions, type SwarmResult, simulateSwarm } from "./lib/swarm-model.ts";

const argv = process.argv.slice(2);
const val = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const num = (name: string, fallback?: number): number | undefined => {
  const v = val(name);
  if (v === undefined) return fallback;
  const x = v === "inf" ? Number.POSITIVE_INFINITY : Number(v);
  if (Number.isNaN(x)) {
    console.error(`swarm-model: --${name} needs a number, got '${v}'`);
    process.exit(2);
  }
  return x;
};
const oneOf = <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
  const v = val(name);
  if (v === undefined || (allowed as readonly string[]).includes(v)) return v as T | undefined;
  console.error(`swarm-model: --${name} must be one of ${allowed.join(", ")}, got '${v}'`);
  process.exit(2);
};

const MiB = 1024 * 1024;
const counts = (val("nodes") ?? "1,8,16,32").split(",").map(Number);
if (counts.some((n) => !Number.isInteger(n) || n < 1)) {
  console.error(`swarm-model: --nodes needs a list of node counts like 1,36,72, got '${val("nodes")}'`);
  process.exit(2);
}
const base: Omit<SwarmOptions, "nodes"> = {
  imageBytes: num("size-mb", 1024)! * MiB,
  pieceBytes: num("piece-kb", 1024)! * 1024,
  nodeBps: num("node-mbit", 1000)! * 1e6,
  headBps: num("head-mbit", 1000)! * 1e6,
  rackSize: num("rack", 0),
  rackBps: num("rack-uplink-mbit", 10000)! * 1e6,
  seederPolicy: oneOf("seeder", ["normal", "superseed"] as const),
  webSeed: oneOf("web-seed", ["off", "always", "fallback"] as const),
  trackerPolicy: oneOf("tracker", ["random", "rack", "pieces"] as const),
  rarity: oneOf("rarity", ["peers", "swarm"] as const),
  transport: argv.includes("--http") ? "http" : "torrent",
  announceInterval: num("interval"),
  uploadSlots: num("slots"),
  headUploadSlots: num("head-slots", num("slots")),
  startSpread: num("spread"),
  seedTail: num("seed-tail"),
  dt: num("dt"),
  efficiency: num("efficiency"),
  uplinkShare: num("uplink-share"),
  requestLatency: num("request-latency"),
  seedRatio: num("seed-ratio"),
  seed: num("seed"),
};
// Unset flags fall back to the model's defaults.
for (const k of Object.keys(base) as (keyof typeof base)[]) if (base[k] === undefined) delete base[k];

const floor = (base.imageBytes! * 8) / base.nodeBps!;
const json = argv.includes("--json");
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "not done");
if (!json) {
  console.log(`S/B_node = ${floor.toFixed(1)} s\n`);
  console.log("| N | T_last s | median s | T_last / (S/B_node) | head copies | from peers | compute s |");
  console.log("|---:|---:|---:|---:|---:|---:|---:|");
}
for (const nodes of counts) {
  const began = performance.now();
  let r: SwarmResult;
  try {
    r = simulateSwarm({ ...base, nodes });
  } catch (e) {
    console.error(`swarm-model: ${(e as Error).message}`);
    process.exit(2);
  }
  const compute = (performance.now() - began) / 1000;
  if (json) {
    const { params, tLast, median, headCopies, peerShare, rackUplinkBytes, webBytes, seederBytes } = r;
    const { startTimes: _, ...shown } = params;
    console.log(
      JSON.stringify({
        nodes,
        tLast,
        median,
        ratio: tLast / floor,
        headCopies,
        peerShare,
        seederBytes,
        webBytes,
        rackUplinkBytes,
        computeSeconds: compute,
        finish: [...r.finish],
        params: shown,
      }),
    );
    continue;
  }
  const cells = [nodes, f1(r.tLast), f1(r.median), (r.tLast / floor).toFixed(2), r.headCopies.toFixed(2)];
  console.log(`| ${cells.join(" | ")} | ${(100 * r.peerShare).toFixed(0)} % | ${compute.toFixed(2)} |`);
}
