/**
 * What the calibrated swarm model predicts beyond this machine, the scenarios and their tables:
 * the original luna's published boot table (1 GiB image, 1 Gb/s, N = 1 / 36 / 72, against luna
 * 1.2 and xCAT, which include BIOS, PXE and boot time, so only T(N)/T(1) compares) and large
 * clusters in racks of 40 behind 4:1 oversubscribed uplinks, with and without the tracker's
 * same-switch preference. Running the model is left to the caller (runScenario).
 */
import { type Fit, modeOptions } from "./swarm-calibrate.ts";
import { type SwarmOptions, simulateSwarm } from "./swarm-model.ts";

const MiB = 1024 * 1024;
/** 1 GiB image; the packer's rule gives 1 MiB pieces for it (~1,000 pieces). */
export const BIG_IMAGE = { imageBytes: 1024 * MiB, pieceBytes: MiB } as const;

/** The original luna's README table: minutes to boot N nodes, BIOS to login. */
export const PUBLISHED: Record<number, { luna12: number; xcat: number }> = {
  1: { luna12: 3, xcat: 9 },
  36: { luna12: 4, xcat: 26 },
  72: { luna12: 4, xcat: 53 },
};

export interface Outcome {
  /** seconds, start-up latency included */
  last: number;
  median: number;
  headCopies: number;
  /** bytes that came down a rack uplink, in images per node */
  crossRack: number;
  compute: number;
}

/**
 * Runs luna (mode torrent) with the fit, seeds 1..seeds, and averages; T adds the start-up
 * latency to every node's time. compute is the CPU seconds of one run.
 */
export function runScenario(o: SwarmOptions, fit: Fit, seeds = 1): Outcome {
  const sum: Outcome = { last: 0, median: 0, headCopies: 0, crossRack: 0, compute: 0 };
  for (let seed = 1; seed <= seeds; seed++) {
    const began = performance.now();
    const r = simulateSwarm({ ...modeOptions("torrent", fit), ...o, seed });
    const own = [...r.finish].map((f, i) => (Number.isNaN(f) ? Number.POSITIVE_INFINITY : f - r.start[i]!));
    own.sort((x, y) => x - y);
    sum.last += own.at(-1)! + fit.startLatency;
    sum.median += own[Math.floor((own.length - 1) / 2)]! + fit.startLatency;
    sum.headCopies += r.headCopies;
    sum.crossRack += r.rackDownlinkBytes / (o.nodes * r.params.imageBytes);
    sum.compute += (performance.now() - began) / 1000;
  }
  const mean = (x: number) => x / seeds;
  return {
    last: mean(sum.last),
    median: mean(sum.median),
    headCopies: mean(sum.headCopies),
    crossRack: mean(sum.crossRack),
    compute: mean(sum.compute),
  };
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "not done");
const f2 = (x: number) => x.toFixed(2);

/** The original's table: our model's T and T(N)/T(1) beside the published minutes. */
export function renderOriginal(rows: { n: number; o: Outcome }[], floorNode: number): string {
  const t1 = rows.find((r) => r.n === 1)?.o.last ?? Number.NaN;
  const p1 = PUBLISHED[1]!;
  const lines = [
    "| N | model T_last s | T / (S/B_node) | model T(N)/T(1) | head copies | plain HTTP N·S/B_head s | luna 1.2 min (T(N)/T(1)) | xCAT min (T(N)/T(1)) |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const { n, o } of rows) {
    const pub = PUBLISHED[n];
    const cell = (v: number | undefined, one: number) => (v ? `${v} (${f2(v / one)})` : "–");
    const cells = [n, f1(o.last), f2(o.last / floorNode), f2(o.last / t1), f2(o.headCopies)];
    cells.push((n * floorNode).toFixed(0), cell(pub?.luna12, p1.luna12), cell(pub?.xcat, p1.xcat));
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/** Large clusters in racks: each N with the tracker's random answers and same-rack first. */
export function renderRacks(rows: { n: number; tracker: string; o: Outcome }[], floors: Floors): string {
  const lines = [
    "| N | tracker | model T_last s | median s | T / (S/B_node) | head copies | came down a rack uplink (images per node) | plain HTTP N·S/B_head s | model CPU s |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const { n, tracker, o } of rows) {
    const cells = [n, tracker, f1(o.last), f1(o.median), f2(o.last / floors.node), f2(o.headCopies)];
    cells.push(f2(o.crossRack), (n * floors.head).toFixed(0), o.compute.toFixed(0));
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

export interface Floors {
  /** S / B_node and S / B_head, seconds at the wire rate */
  node: number;
  head: number;
}
