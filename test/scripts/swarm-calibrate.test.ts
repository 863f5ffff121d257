/**
 * The swarm model's calibration helpers (scripts/lib/swarm-calibrate.ts, swarm-chart.ts): which
 * bench rows count, each mode's policies, the grid, the closed-form start-up latency, the tables;
 * and the model parameters the calibration fits (uplinkShare, requestLatency, seedRatio) on
 * small swarms. No timing is asserted.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  bestOffset,
  cartesian,
  chooseFit,
  coresOf,
  type Measured,
  measuredRows,
  modeOptions,
  outliers,
  renderCalibration,
  worstError,
} from "../../scripts/lib/swarm-calibrate.ts";
import { renderSwarmChart } from "../../scripts/lib/swarm-chart.ts";
import { simulateSwarm } from "../../scripts/lib/swarm-model.ts";

const MiB = 1024 * 1024;
const benchRow = {
  n: 8,
  mode: "torrent",
  headRatio: 1,
  nodeMbit: 10,
  headMbit: 10,
  imageBytes: 16 * MiB,
  pieceLength: 65536,
  skipped: false,
  valid: true,
  ok: true,
  last: 21.4,
  median: 20.1,
  headCopies: 1.37,
  cpuBusy: 0.25,
  wallSeconds: 24,
};
const measured = (over: Partial<Measured>): Measured => ({
  ...benchRow,
  mode: "torrent",
  pieceBytes: 65536,
  median: 20,
  cpuPerNode: 1,
  ...over,
});

describe("swarm calibration", () => {
  test("measuredRows keeps valid, complete rows of the swarm modes and asked ratios, sorted", () => {
    const rows = measuredRows(
      {
        header: "Machine: 2 × AMD EPYC; image 16 MiB",
        rows: [
          { ...benchRow, n: 16 },
          { ...benchRow, mode: "http" },
          { ...benchRow, mode: "stock", valid: false },
          { ...benchRow, mode: "torrent0", ok: false },
          { ...benchRow, headRatio: 5 },
          { ...benchRow, mode: "stock", headRatio: 10, median: null },
          benchRow,
        ],
      },
      [1, 10],
    );
    expect(rows.map((r) => [r.n, r.mode, r.headRatio])).toEqual([
      [8, "torrent", 1],
      [16, "torrent", 1],
      [8, "stock", 10],
    ]);
    expect(rows[2]!.median).toBe(21.4);
    expect(rows[0]!.pieceBytes).toBe(65536);
    expect(rows[0]!.cpuPerNode).toBeCloseTo((2 * 0.25 * 24) / 8, 9);
    expect(coresOf("Machine: 16 × Xeon")).toBe(16);
  });

  test("modeOptions: luna's seeder super-seeds to everyone, stock's seeds plainly to 4", () => {
    const fit = { uplinkShare: 0.7, requestLatency: 0.2 };
    const luna = modeOptions("torrent", fit);
    expect(luna).toMatchObject({ seederPolicy: "superseed", webSeed: "fallback", seedTail: 60 });
    expect(luna.headUploadSlots).toBe(luna.headMaxPeers);
    // 16 first copies in flight, 3 per peer (superseed.ts): 6 peers served at a time
    expect(luna.headTurnSlots).toBe(6);
    expect(modeOptions("torrent0", fit).seedTail).toBe(0);
    // The nodes' peer limit is the install script's own.
    const script = readFileSync(join(import.meta.dir, "../../node/install-body.sh"), "utf8");
    expect(luna.maxPeers).toBe(Number(/--bt-max-peers=(\d+)/.exec(script)?.[1]));
    const stock = modeOptions("stock", fit);
    expect(stock).toMatchObject({
      seederPolicy: "normal",
      headUploadSlots: 4,
      headMaxPeers: 200,
      maxPeers: 55,
    });
    expect(stock).toMatchObject({ webSeed: "off", seedRatio: 1, uplinkShare: 0.7, requestLatency: 0.2 });
  });

  test("cartesian lists every combination, the last key fastest", () => {
    expect(cartesian({ a: [1, 2], b: [0, 5, 9] })).toEqual([
      { a: 1, b: 0 },
      { a: 1, b: 5 },
      { a: 1, b: 9 },
      { a: 2, b: 0 },
      { a: 2, b: 5 },
      { a: 2, b: 9 },
    ]);
    expect(cartesian({ a: [] as number[], b: [1] })).toEqual([]);
  });

  test("bestOffset balances the worst relative errors on both sides", () => {
    // model + L against measured 10 and 20: errors (8 + L - 10) / 10 and (20 + L - 20) / 20;
    // equal and opposite at L = 4/3, where both are 1/15 off.
    const l = bestOffset([8, 20], [10, 20], 0, 5);
    expect(l).toBeCloseTo(4 / 3, 6);
    expect(worstError([8, 20], [10, 20], l)).toBeCloseTo(1 / 15, 6);
    // An exact fit is found, and the bounds hold.
    expect(bestOffset([9, 19], [10, 20], 0, 5)).toBeCloseTo(1, 6);
    expect(bestOffset([9, 19], [10, 20], 2, 5)).toBeCloseTo(2, 6);
  });

  test("chooseFit takes the least worst error, breaks near-ties on head copies, drops rows out of reach", () => {
    const measured = { times: [10, 20, 100], copies: [1, 2, 3] };
    const runs = [
      { times: [9, 19, 30], copies: [1.5, 3, 3] }, // exact with L = 1, copies 33 % off
      { times: [9.2, 19, 30], copies: [1, 2, 3] }, // best L = 0.87 leaves 0.67 % off, copies exact
      { times: [5, 30, 30], copies: [1, 2, 3] }, // no latency fits both
    ];
    const o = { lo: 0, hi: 2, tolerance: 0.15 };
    // The third row is out of every point's reach (30 + 2 is 68 % short of 100).
    const tight = chooseFit(runs, measured, { ...o, slack: 0 });
    expect(tight.unreachable).toEqual([2]);
    expect(tight.best).toBe(0);
    expect(tight.startLatency).toBeCloseTo(1, 6);
    expect(tight.score).toBeCloseTo(0, 6);
    const loose = chooseFit(runs, measured, { ...o, slack: 0.01 });
    expect(loose.best).toBe(1);
    expect(loose.score).toBeCloseTo(0.02 / 3, 6);
    expect(loose.points[1]!.copiesError).toBe(0);
    expect(loose.points[0]!.copiesError).toBeCloseTo(0.5, 9);
  });

  test("the calibration table shows each row's error and the outliers are named", () => {
    const rows = [
      { row: measured({ n: 8, last: 20 }), model: 22, modelMedian: 19, modelHeadCopies: 1.5, fitted: true },
      {
        row: measured({ n: 1, last: 15, mode: "stock" }),
        model: 12,
        modelMedian: 12,
        modelHeadCopies: 1,
        fitted: false,
      },
    ];
    const table = renderCalibration(rows).split("\n");
    expect(table[2]).toBe("| 8 | **torrent** | 1× | 20.0 | 22.0 | +10 % | 1.37 | 1.50 | 20.0 | 19.0 |");
    expect(table[3]).toBe("| 1 | stock | 1× | 15.0 | 12.0 | −20 % | 1.37 | 1.00 | 20.0 | 12.0 |");
    expect(outliers(rows, 0.15)).toEqual(["N=1 stock 1×: −20 %"]);
    expect(outliers(rows, 0.25)).toEqual([]);
  });

  test("the chart draws each series and the floor, dashed where asked", () => {
    const svg = renderSwarmChart(
      [
        {
          label: "measured",
          color: "#111",
          dashed: false,
          points: [1, 8, 64].map((n) => ({ n, t: 14 + n })),
        },
        { label: "model", color: "#111", dashed: true, points: [{ n: 8, t: Number.NaN }] },
      ],
      { floor: 13.4, title: "t" },
    );
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<circle /g)?.length).toBe(3);
    expect(svg.match(/stroke-dasharray/g)?.length).toBe(2);
    expect(svg).toContain(">floor S/B_node</text>");
  });
});

describe("swarm model parameters the calibration fits", () => {
  const small = {
    imageBytes: 16 * MiB,
    pieceBytes: 256 * 1024,
    nodeBps: 10e6,
    headBps: 10e6,
    webSeed: "off" as const,
  };
  const floor = (16 * MiB * 8) / (10e6 * 0.95);

  test("requestLatency delays a lone node's first bytes by that much", () => {
    const r0 = simulateSwarm({ ...small, nodes: 1 });
    const r1 = simulateSwarm({ ...small, nodes: 1, requestLatency: 0.5 });
    expect(r1.tLast - r0.tLast).toBeGreaterThan(0.45);
    expect(r1.tLast - r0.tLast).toBeLessThan(0.65);
    expect(r0.tLast).toBeGreaterThanOrEqual(floor);
  });

  test("uplinkShare caps what each node sends, and the swarm slows", () => {
    const o = { ...small, nodes: 8, seedTail: 0 };
    const full = simulateSwarm(o);
    const half = simulateSwarm({ ...o, uplinkShare: 0.5 });
    for (let i = 0; i < 8; i++)
      expect(half.uploaded[i]!).toBeLessThanOrEqual(((0.5 * 10e6 * 0.95) / 8) * half.finish[i]!);
    expect(half.tLast).toBeGreaterThan(full.tLast);
  });

  test("a node leaves once it uploaded seedRatio × S: ratio 0 is a seeding tail of 0", () => {
    const o = { ...small, nodes: 6, startSpread: 4 };
    const byRatio = simulateSwarm({ ...o, seedRatio: 0 });
    const byTail = simulateSwarm({ ...o, seedTail: 0 });
    const stay = simulateSwarm(o);
    expect([...byRatio.finish]).toEqual([...byTail.finish]);
    expect([...byRatio.uploaded]).toEqual([...byTail.uploaded]);
    expect([...stay.uploaded]).not.toEqual([...byTail.uploaded]);
    expect(() => simulateSwarm({ ...small, nodes: 2, uplinkShare: 0 })).toThrow("uplink shares");
  });
});
