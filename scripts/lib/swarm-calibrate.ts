/**
 * Calibration of the swarm model (swarm-model.ts) against the emulated cluster, the pure part:
 * which measured rows of docs/boot-storm.json count, the policies each bench mode runs (luna's
 * super-seeding head node that unchokes everyone, or stock aria2c), the start-up latency that
 * best fits given model times, the grid of candidate parameters and the score that ranks them,
 * and the Markdown tables. scripts/swarm-calibrate.ts runs the model over the grid.
 */
import { SUPERSEED_DEPTH, SUPERSEED_IN_FLIGHT } from "../../src/torrent/superseed.ts";
import type { SwarmOptions } from "./swarm-model.ts";

export type Mode = "torrent" | "torrent0" | "stock";
export const FIT_MODES: readonly Mode[] = ["torrent", "torrent0", "stock"];

/** One measured bench row, reduced to what the model can be compared with. */
export interface Measured {
  n: number;
  mode: Mode;
  headRatio: number;
  nodeMbit: number;
  headMbit: number;
  imageBytes: number;
  pieceBytes: number;
  /** seconds from a node's install.request to its install.success: the slowest node, the median */
  last: number;
  median: number;
  /** bytes the head node's interface sent, in images (headers included) */
  headCopies: number;
  /** CPU seconds the whole machine spent during the run, per node (cores × busy share × wall) */
  cpuPerNode: number;
}

/** The fitted parameters (see SwarmParams for the first two). */
export interface Fit {
  uplinkShare: number;
  requestLatency: number;
  /** seconds a node spends before its first connection and after its last byte, added to T */
  startLatency: number;
}

interface BenchRow {
  n: number;
  mode: string;
  headRatio: number;
  nodeMbit: number;
  headMbit: number;
  imageBytes: number;
  pieceLength: number | null;
  skipped: boolean;
  valid: boolean;
  ok: boolean;
  last: number;
  median: number | null;
  headCopies: number | null;
  cpuBusy: number | null;
  wallSeconds: number | null;
}

/** The machine's cores, from the bench header ("Machine: 2 × AMD EPYC; ..."). */
export const coresOf = (header: string) => Number(/Machine: (\d+) ×/.exec(header)?.[1] ?? Number.NaN);

/** The rows of a bench JSON ({command, header, rows}) that the model can be fitted to. */
export function measuredRows(
  json: { header: string; rows: BenchRow[] },
  ratios: readonly number[],
): Measured[] {
  const cores = coresOf(json.header);
  return json.rows
    .filter(
      (r) =>
        (FIT_MODES as readonly string[]).includes(r.mode) &&
        ratios.includes(r.headRatio) &&
        r.valid &&
        r.ok &&
        !r.skipped &&
        r.pieceLength !== null &&
        Number.isFinite(r.last),
    )
    .map((r) => ({
      n: r.n,
      mode: r.mode as Mode,
      headRatio: r.headRatio,
      nodeMbit: r.nodeMbit,
      headMbit: r.headMbit,
      imageBytes: r.imageBytes,
      pieceBytes: r.pieceLength!,
      last: r.last,
      median: r.median ?? r.last,
      headCopies: r.headCopies ?? Number.NaN,
      cpuPerNode: ((r.cpuBusy ?? Number.NaN) * (r.wallSeconds ?? Number.NaN) * cores) / r.n,
    }))
    .sort((a, b) => a.headRatio - b.headRatio || a.n - b.n || a.mode.localeCompare(b.mode));
}

/** luna's seeder accepts this many connections (peer-server.ts) and unchokes all of them. */
const LUNA_HEAD_PEERS = 1000;
/** aria2c's own --bt-max-peers default (stock), and luna's install script's. */
const STOCK_PEERS = 55;
const LUNA_NODE_PEERS = 8;
/**
 * luna's seeder keeps 16 first copies in flight, 3 per peer, and gives a free slot to the least
 * complete waiting peer (src/torrent/superseed.ts): about 6 peers served at a time while it
 * super-seeds.
 */
export const LUNA_TURN_SLOTS = Math.ceil(SUPERSEED_IN_FLIGHT / SUPERSEED_DEPTH);

/**
 * What each bench mode runs, as model options. luna (torrent, torrent0): the head node's seeder
 * super-seeds (BEP 16) to the LUNA_TURN_SLOTS least complete peers at a time, then unchokes
 * every peer; no web seed unless a node stalls 30 s; aria2c announces every 5 s, keeps up to 8
 * peers (node/install-body.sh's --bt-max-peers) and seeds 60 s (torrent) or not at all
 * (torrent0). stock: aria2c everywhere with its defaults — a plain seeder with 4 slots and 200
 * peers, nodes that keep up to 55 peers and seed until they uploaded one image or for 60 s. The
 * nodes' uplinks get uplinkShare; the head's seeder, luna's or aria2c's, its whole link (alone
 * with one node, either fills it).
 */
export function modeOptions(mode: Mode, fit: Pick<Fit, "uplinkShare" | "requestLatency">) {
  const common: Omit<SwarmOptions, "nodes"> = {
    uplinkShare: fit.uplinkShare,
    requestLatency: fit.requestLatency,
    announceInterval: 5,
    numwant: 50,
  };
  if (mode === "stock")
    return {
      ...common,
      maxPeers: STOCK_PEERS,
      seederPolicy: "normal",
      headUploadSlots: 4,
      headMaxPeers: 200,
      webSeed: "off",
      seedTail: 60,
      seedRatio: 1,
    } satisfies Omit<SwarmOptions, "nodes">;
  return {
    ...common,
    maxPeers: LUNA_NODE_PEERS,
    seederPolicy: "superseed",
    headTurnSlots: LUNA_TURN_SLOTS,
    headUploadSlots: LUNA_HEAD_PEERS,
    headMaxPeers: LUNA_HEAD_PEERS,
    webSeed: "fallback",
    stallSeconds: 30,
    seedTail: mode === "torrent" ? 60 : 0,
  } satisfies Omit<SwarmOptions, "nodes">;
}

/** Every combination of the grid's values, in order (the last key varies fastest). */
export function cartesian<K extends string>(grid: Record<K, readonly number[]>): Record<K, number>[] {
  let out: Record<string, number>[] = [{}];
  for (const [k, values] of Object.entries(grid) as [K, readonly number[]][])
    out = out.flatMap((o) => values.map((v) => ({ ...o, [k]: v })));
  return out as Record<K, number>[];
}

export const relError = (model: number, measured: number) => (model - measured) / measured;

/** The largest |relative error| of model + offset against measured. */
export function worstError(model: readonly number[], measured: readonly number[], offset = 0): number {
  let worst = 0;
  for (let i = 0; i < model.length; i++)
    worst = Math.max(worst, Math.abs(relError(model[i]! + offset, measured[i]!)));
  return worst;
}

/**
 * The offset L in [lo, hi] that minimises the worst relative error of model + L: that error is
 * the largest of |model_i + L - measured_i| / measured_i, a convex function of L, so a ternary
 * search finds it. The start-up latency adds to every node's time alike (every node waits it,
 * none of the swarm's dynamics depends on it), which is why it needs no model runs.
 */
export function bestOffset(model: readonly number[], measured: readonly number[], lo: number, hi: number) {
  let [a, b] = [lo, hi];
  for (let i = 0; i < 100 && b - a > 1e-9; i++) {
    const m1 = a + (b - a) / 3;
    const m2 = b - (b - a) / 3;
    if (worstError(model, measured, m1) <= worstError(model, measured, m2)) b = m2;
    else a = m1;
  }
  return (a + b) / 2;
}

export interface Choice {
  /** index of the chosen grid point, its start-up latency and worst relative error */
  best: number;
  startLatency: number;
  score: number;
  /** per grid point: start-up latency, worst T error and mean head-copies error, rows kept */
  points: { startLatency: number; score: number; copiesError: number }[];
  /** rows no grid point brings within the tolerance (for any start-up latency in bounds) */
  unreachable: number[];
}

/** One grid point's model results, or the measurements: T_last and head copies per row. */
export interface Series {
  times: readonly number[];
  copies: readonly number[];
}

/**
 * Picks the grid point whose model times (start-up latency not included) come closest to the
 * measured T_last of every row at once: for each point the start-up latency in [lo, hi] that
 * minimises the worst relative error (bestOffset), then the least worst error. T_last alone
 * leaves the parameters loosely tied (a smaller uplink share and a longer latency look alike),
 * so among the points within `slack` of that least error the one whose head-node copies come
 * closest (mean relative error) wins: how much the head sends tells a slow swarm from a slow
 * start. A row that no point and latency bring within the tolerance is left out (and reported),
 * so one row the model cannot represent does not drag the others.
 */
export function chooseFit(
  runs: readonly Series[],
  measured: Series,
  o: { lo: number; hi: number; tolerance: number; slack: number },
): Choice {
  const reach = (g: number, r: number) => {
    const [m, t] = [[runs[g]!.times[r]!], [measured.times[r]!]];
    return worstError(m, t, bestOffset(m, t, o.lo, o.hi));
  };
  const unreachable = measured.times.flatMap((_, r) =>
    runs.some((_, g) => reach(g, r) <= o.tolerance) ? [] : [r],
  );
  const kept = measured.times.map((_, r) => r).filter((r) => !unreachable.includes(r));
  const points = runs.map((run) => {
    const [model, meas] = [kept.map((r) => run.times[r]!), kept.map((r) => measured.times[r]!)];
    const startLatency = bestOffset(model, meas, o.lo, o.hi);
    const copies = kept.filter((r) => Number.isFinite(measured.copies[r]));
    const off = copies.map((r) => Math.abs(relError(run.copies[r]!, measured.copies[r]!)));
    const copiesError = off.reduce((x, y) => x + y, 0) / Math.max(1, off.length);
    return { startLatency, score: worstError(model, meas, startLatency), copiesError };
  });
  const least = Math.min(...points.map((p) => p.score));
  let best = -1;
  points.forEach((p, g) => {
    if (p.score <= least + o.slack && (best < 0 || p.copiesError < points[best]!.copiesError)) best = g;
  });
  const chosen = points[best];
  return {
    best,
    startLatency: chosen?.startLatency ?? Number.NaN,
    score: chosen?.score ?? Number.NaN,
    points,
    unreachable,
  };
}

/** A calibration row: measured against the model with the fit (times include startLatency). */
export interface Compared {
  row: Measured;
  model: number;
  modelMedian: number;
  modelHeadCopies: number;
  /** counted in the fit's score */
  fitted: boolean;
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "–");
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "–");
const pct = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(0)} %`;

export function renderCalibration(rows: readonly Compared[]): string {
  const lines = [
    "| N | mode | head ratio | measured T_last s | model T_last s | error | measured head copies | model head copies | measured median s | model median s |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const { row: r, model, modelMedian, modelHeadCopies, fitted } of rows) {
    const mode = fitted ? `**${r.mode}**` : r.mode;
    const cells = [r.n, mode, `${r.headRatio}×`, f1(r.last), f1(model), pct(relError(model, r.last))];
    cells.push(f2(r.headCopies), f2(modelHeadCopies), f1(r.median), f1(modelMedian));
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/** Rows outside the tolerance, each as "N=…, mode, ratio×: +x %". */
export function outliers(rows: readonly Compared[], tolerance: number): string[] {
  return rows
    .filter((c) => Math.abs(relError(c.model, c.row.last)) > tolerance)
    .map((c) => `N=${c.row.n} ${c.row.mode} ${c.row.headRatio}×: ${pct(relError(c.model, c.row.last))}`);
}
