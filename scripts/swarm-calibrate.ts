/**
 * Calibrates the swarm model (scripts/lib/swarm-model.ts) against the emulated cluster's
 * measured rows (docs/boot-storm.json, written by bench-boot-storm.ts) and predicts beyond this
 * machine. A grid search over two model parameters — the share of its uplink a node's aria2c
 * keeps busy (uplinkShare) and the request latency of a connection whose pipeline ran dry
 * (requestLatency) — with the start-up latency (startLatency, added to every node's time) fitted
 * in closed form for each; the best is the one with the smallest worst relative error in T_last
 * over luna's rows (mode torrent) with 8 ≤ N ≤ 64. The other modes are checks. Then, with --predict,
 * the original luna's table (1 GiB, 1 Gb/s) and 1,000 / 10,000 nodes in racks of 40.
 *
 *   bun scripts/swarm-calibrate.ts [--json docs/boot-storm.json] [--ratios 1,10] [--seeds 6]
 *       [--share 0.4:1:0.05] [--latency 0,0.1,0.2,0.3,0.5,0.8] [--fit share,latency,start]
 *       [--predict] [--big 1000,10000] [--write docs/benchmarks.md]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { replaceSection } from "./lib/docs.ts";
import {
  type Compared,
  cartesian,
  chooseFit,
  type Fit,
  type Measured,
  measuredRows,
  modeOptions,
  outliers,
  renderCalibration,
} from "./lib/swarm-calibrate.ts";
import { renderSwarmChart } from "./lib/swarm-chart.ts";
import { simulateSwarm } from "./lib/swarm-model.ts";
import { calibrationDoc, explainRow, type PredictionDoc, predict } from "./lib/swarm-report.ts";

const { values: a } = parseArgs({
  args: process.argv.slice(2),
  options: {
    json: { type: "string", default: "docs/boot-storm.json" },
    ratios: { type: "string", default: "1,10" },
    seeds: { type: "string", default: "6" },
    share: { type: "string", default: "0.4:1:0.05" },
    latency: { type: "string", default: "0,0.1,0.2,0.3,0.5,0.8" },
    fit: { type: "string" },
    predict: { type: "boolean", default: false },
    big: { type: "string", default: "1000,10000" },
    write: { type: "string" },
    /** what is known about the rows of one N from outside the data: "64=the cause" */
    known: { type: "string", multiple: true, default: [] },
  },
});
/** "0.5:1:0.05" (from:to:step) or "0,0.1,0.2" */
const list = (text: string) => {
  const [from, to, step] = text.split(":").map(Number);
  if (step === undefined || to === undefined || from === undefined) return text.split(",").map(Number);
  return Array.from({ length: Math.round((to - from) / step) + 1 }, (_, i) => +(from + i * step).toFixed(6));
};
const ratios = list(a.ratios);
const seeds = Number(a.seeds);
const TOLERANCE = 0.15;
// Start-up latency bounds: measured 1.5-2 s from install.request to the first data.
const [START, START_MAX] = [1, 2.5];
/** Grid points this close to the best worst error count as ties, decided by head copies. */
const SLACK = 0.02;

const bench = JSON.parse(readFileSync(a.json, "utf8"));
const rows = measuredRows(bench, ratios);
const isFitted = (r: Measured) => r.mode === "torrent" && r.n >= 8 && r.n <= 64;
const fitRows = rows.filter(isFitted);
if (fitRows.length === 0) {
  console.error(`swarm-calibrate: no valid torrent rows with 8 <= N <= 64 in ${a.json}`);
  process.exit(2);
}

/** The model for one measured row, mean over `seeds` seeds; times without the start-up latency. */
function model(r: Measured, fit: Pick<Fit, "uplinkShare" | "requestLatency">) {
  const sum = { last: 0, median: 0, copies: 0 };
  for (let seed = 1; seed <= seeds; seed++) {
    const m = simulateSwarm({
      ...modeOptions(r.mode, fit),
      nodes: r.n,
      imageBytes: r.imageBytes,
      pieceBytes: r.pieceBytes,
      nodeBps: r.nodeMbit * 1e6,
      headBps: r.headMbit * 1e6,
      seed,
    });
    // A node that never finished counts as infinitely slow (NaN would poison the sort).
    const own = [...m.finish].map((f, i) => (Number.isNaN(f) ? Number.POSITIVE_INFINITY : f - m.start[i]!));
    own.sort((x, y) => x - y);
    sum.last += own.at(-1)!;
    sum.median += own[Math.floor((own.length - 1) / 2)]!;
    sum.copies += m.headCopies;
  }
  return { last: sum.last / seeds, median: sum.median / seeds, copies: sum.copies / seeds };
}

const began = performance.now();
let fit: Fit;
let unreachable: Measured[] = [];
let near: Pick<Fit, "uplinkShare" | "requestLatency">[] = [];
if (a.fit) {
  const [uplinkShare, requestLatency, startLatency] = a.fit.split(",").map(Number) as [
    number,
    number,
    number,
  ];
  fit = { uplinkShare, requestLatency, startLatency };
} else {
  const grid = cartesian({ uplinkShare: list(a.share), requestLatency: list(a.latency) });
  const runs = grid.map((g) => {
    const ms = fitRows.map((r) => model(r, g));
    return { times: ms.map((m) => m.last), copies: ms.map((m) => m.copies) };
  });
  const measured = { times: fitRows.map((r) => r.last), copies: fitRows.map((r) => r.headCopies) };
  const choice = chooseFit(runs, measured, { lo: START, hi: START_MAX, tolerance: TOLERANCE, slack: SLACK });
  grid.forEach((g, i) => {
    const { startLatency: l, score, copiesError: c } = choice.points[i]!;
    const line = `startLatency ${l.toFixed(2)} s: worst T_last ${(100 * score).toFixed(1)} %, head copies ${(100 * c).toFixed(0)} %`;
    console.error(`swarm-calibrate: ${JSON.stringify(g)}, ${line}`);
  });
  near = grid.filter((_, i) => choice.points[i]!.score <= choice.points[choice.best]!.score + SLACK);
  fit = { ...grid[choice.best]!, startLatency: +choice.startLatency.toFixed(2) };
  unreachable = choice.unreachable.map((i) => fitRows[i]!);
}
const inFit = (r: Measured) => isFitted(r) && !unreachable.includes(r);
const compared: Compared[] = rows.map((r) => {
  const m = model(r, fit);
  const l = fit.startLatency;
  return {
    row: r,
    model: m.last + l,
    modelMedian: m.median + l,
    modelHeadCopies: m.copies,
    fitted: inFit(r),
  };
});
const fitSeconds = (performance.now() - began) / 1000;
const known = new Map(
  a.known.map((k) => {
    const [n, ...why] = k.split("=");
    return [Number(n), why.join("=")] as const;
  }),
);
const explain = (c: Compared) => explainRow(c, { all: rows, tolerance: TOLERANCE, known });
const quote = (x: string) => (/^[\w./,:=-]+$/.test(x) ? x : `'${x.replaceAll("'", "'\\''")}'`);
const command = [
  `bun scripts/swarm-calibrate.ts --json ${a.json} --ratios ${a.ratios} --seeds ${seeds}`,
  ...(a.fit ? [`--fit ${a.fit}`] : [`--share ${a.share} --latency ${a.latency}`]),
  ...a.known.map((k) => `--known ${quote(k)}`),
].join(" ");
/** Per head ratio, the mean of `x` over the fitted rows. */
const meanRatio = (x: (c: Compared) => number) =>
  ratios.map((ratio) => {
    const mine = compared.filter((c) => c.fitted && c.row.headRatio === ratio);
    return { ratio, x: mine.reduce((sum, c) => sum + x(c), 0) / mine.length };
  });
const calibration = calibrationDoc({
  fit,
  table: renderCalibration(compared),
  missed: outliers(
    compared.filter((c) => isFitted(c.row)),
    TOLERANCE,
  ),
  unreachable: compared.filter((c) => unreachable.includes(c.row)).map(explain),
  checks: compared
    .filter((c) => !isFitted(c.row) && Math.abs(c.model / c.row.last - 1) > TOLERANCE)
    .map(explain),
  tolerance: TOLERANCE,
  fitSeconds,
  command,
  jsonFile: a.json,
  benchCommand: bench.command,
  near,
  seeds,
  known,
  copies: meanRatio((c) => c.modelHeadCopies / c.row.headCopies),
  medians: meanRatio((c) => c.modelMedian / c.row.median),
});
console.log(calibration);

let prediction: PredictionDoc | undefined;
if (a.predict) {
  const log = (line: string) => console.error(`swarm-calibrate: ${line}`);
  prediction = predict(fit, { big: list(a.big), seeds }, log);
  console.log(`\n${prediction.text}`);
}

if (a.write) {
  const svg = join(dirname(a.write), "swarm-model.svg");
  const series = ratios.flatMap((ratio, i) => {
    const color = ["#2ca02c", "#1f77b4", "#d62728"][i % 3]!;
    const mine = compared.filter((c) => c.row.mode === "torrent" && c.row.headRatio === ratio);
    return [
      {
        label: `measured, head ${ratio}×`,
        color,
        dashed: false,
        points: mine.filter((c) => !unreachable.includes(c.row)).map((c) => ({ n: c.row.n, t: c.row.last })),
      },
      {
        label: `model, head ${ratio}×`,
        color,
        dashed: true,
        points: mine.map((c) => ({ n: c.row.n, t: c.model })),
      },
    ];
  });
  const r0 = rows[0]!;
  const floor = (r0.imageBytes * 8) / (r0.nodeMbit * 1e6);
  const title = `luna (torrent), ${(r0.imageBytes / 2 ** 20).toFixed(0)} MiB image, node links ${r0.nodeMbit} Mbit/s`;
  writeFileSync(svg, renderSwarmChart(series, { floor, title }));
  const left = unreachable.map((r) => `N = ${r.n} at ${r.headRatio}× (${r.last.toFixed(0)} s)`);
  const chart = [
    "![T_last against N, measured and calibrated model](swarm-model.svg)",
    ...(left.length > 0
      ? [`The chart leaves out the measured rows the model cannot reach: ${left.join(", ")}.`]
      : []),
  ].join("\n\n");
  const body = [calibration, chart, prediction?.text].filter(Boolean).join("\n\n");
  replaceSection(a.write, "swarm-model", "Beyond this machine: the calibrated model", body);
}
