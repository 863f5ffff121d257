/**
 * cluster-sim's options check (scripts/lib/sim-options.ts simOptionsError): a rate the daemon
 * cannot take, a node count or a size that makes no sense is refused before anything is made,
 * and the command line says so (exit 2) instead of spinning until its timeout.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type SimNumbers, simOptionsError } from "../../scripts/lib/sim-options.ts";

const ok: SimNumbers = {
  nodes: 8,
  sizeMB: 16,
  seedTail: 60,
  nodeMbit: 10,
  headMbit: 100,
  timeoutSec: 600,
};

describe("simOptionsError", () => {
  test("accepts whole rates and counts", () => {
    expect(simOptionsError(ok)).toBeUndefined();
    expect(simOptionsError({ ...ok, seedTail: 0, sizeMB: 0.5 })).toBeUndefined();
  });

  test.each([
    [{ nodeMbit: 2.5 }, "--node-mbit takes a whole number >= 1 (got 2.5)"],
    [{ headMbit: 0 }, "--head-mbit takes a whole number >= 1 (got 0)"],
    [{ nodes: Number.NaN }, "--nodes takes a whole number >= 1 (got NaN)"],
    [{ seedTail: -1 }, "--seed-tail takes a whole number >= 0 (got -1)"],
    [{ timeoutSec: 0 }, "--timeout takes a whole number >= 1 (got 0)"],
    [{ sizeMB: 0 }, "--size takes a size in MiB above 0 (got 0)"],
    [
      { unshapedControl: true, method: "http" },
      "--unshaped-control cannot go with --method http: the image itself comes from the daemon's port",
    ],
    [{ unshapedControl: true, noShaping: true }, "--unshaped-control needs shaping (drop --no-shaping)"],
    [{ unshapedControl: true, faults: ["netem"] }, "--unshaped-control cannot go with --fault netem"],
    [
      { unshapedControl: true, faults: ["seeder-kill"] },
      "--unshaped-control cannot go with --fault seeder-kill",
    ],
  ] as const)("refuses %o", (bad, message) => {
    expect(simOptionsError({ ...ok, ...bad })).toBe(message);
  });

  test("takes --unshaped-control with the torrent method, shaped, without netem", () => {
    expect(
      simOptionsError({ ...ok, unshapedControl: true, method: "torrent", faults: ["daemon-kill"] }),
    ).toBeUndefined();
  });
});

test("cluster-sim refuses --unshaped-control with --method http, exit 2", () => {
  const r = Bun.spawnSync(
    [
      "bun",
      join(import.meta.dir, "../../scripts/cluster-sim.ts"),
      "--nodes",
      "2",
      "--method",
      "http",
      "--unshaped-control",
    ],
    { stderr: "pipe", stdout: "pipe" },
  );
  expect(r.exitCode).toBe(2);
  expect(r.stderr.toString()).toContain("--unshaped-control cannot go with --method http");
});

test("cluster-sim refuses a fractional link rate with exit 2 and says which flag", () => {
  // Checked before it looks for root, so this runs as any user.
  const r = Bun.spawnSync(
    ["bun", join(import.meta.dir, "../../scripts/cluster-sim.ts"), "--nodes", "2", "--node-mbit", "2.5"],
    { stderr: "pipe", stdout: "pipe" },
  );
  expect(r.exitCode).toBe(2);
  expect(r.stderr.toString()).toContain("--node-mbit takes a whole number >= 1 (got 2.5)");
});
