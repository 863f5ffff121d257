/**
 * Smoke version of the boot storm (issue 6): three emulated nodes in their own network and
 * mount namespaces boot through the real daemon and install script, unshaped, for both the
 * swarm and plain HTTP. Correctness only: every node reaches install.success and all unpacked
 * trees are identical. Needs root (network namespaces); CI runs as root.
 */
import { expect, test } from "bun:test";
import { runClusterSim } from "../../scripts/lib/cluster-sim.ts";
import { lunaBinary } from "../helpers/luna.ts";

for (const method of ["torrent", "http"] as const) {
  test(`three emulated nodes install over ${method} with identical trees`, async () => {
    expect(process.getuid?.()).toBe(0);
    const r = await runClusterSim({
      luna: await lunaBinary(),
      nodes: 3,
      sizeMB: 16,
      method,
      seedTail: 5,
      nodeMbit: 1000,
      headMbit: 1000,
      noShaping: true,
      timeoutSec: 240,
    });
    expect(r.nodes.map((n) => n.name)).toEqual(["node001", "node002", "node003"]);
    for (const n of r.nodes) {
      expect(n.ok).toBe(true);
      expect(n.seconds).toBeGreaterThan(0);
      expect(n.treeHash).toMatch(/^[0-9a-f]{16}$/);
    }
    expect(new Set(r.nodes.map((n) => n.treeHash)).size).toBe(1);
    expect(r.headTxBytes).toBeGreaterThan(r.imageBytes);
  });
}

test("--unshaped-control: the daemon's HTTP skips the head's shaper and the storm still completes", async () => {
  expect(process.getuid?.()).toBe(0);
  // Shaped links with the head's port 7050 in an unshaped htb class (tc fails the run otherwise).
  const r = await runClusterSim({
    luna: await lunaBinary(),
    nodes: 2,
    sizeMB: 8,
    method: "torrent",
    seedTail: 5,
    nodeMbit: 20,
    headMbit: 20,
    unshapedControl: true,
    timeoutSec: 240,
  });
  for (const n of r.nodes) {
    expect(n.ok).toBe(true);
    // the download stage is part of the node's install time
    expect(n.downloadSeconds).toBeGreaterThan(0);
    expect(n.downloadSeconds).toBeLessThan(n.seconds ?? 0);
  }
  expect(new Set(r.nodes.map((n) => n.treeHash)).size).toBe(1);
  // the unshaped class carried the daemon's HTTP (boot menu, scripts, torrent, reports), not the
  // image: the seeder's bytes went through the shaped class
  const unshaped = r.packets?.headUnshapedBytes ?? 0;
  expect(unshaped).toBeGreaterThan(10_000);
  expect(unshaped).toBeLessThan(r.imageBytes * 0.1);
  expect(r.nodes.reduce((s, n) => s + n.bytes.fromSeeder, 0)).toBeGreaterThan(r.imageBytes * 0.5);
});

/**
 * Faults (docs/reliability.md), the cheap versions of `scripts/cluster-sim.ts --fault`: four
 * nodes on 20 Mbit/s links (a 16 MiB image takes ~7 s, so the fault lands mid-download). Each
 * run's fault reports its own checks; the test asserts every one held and that the fault struck.
 */
const faultRun = async (fault: "daemon-kill" | "node-reboot") =>
  runClusterSim({
    luna: await lunaBinary(),
    nodes: 4,
    sizeMB: 16,
    method: "torrent",
    seedTail: 5,
    nodeMbit: 20,
    headMbit: 20,
    timeoutSec: 240,
    faults: [fault],
    faultOptions: { at: 0.3, holdSec: 2 },
  });

test("a storm survives the daemon killed with SIGKILL at 30% and restarted: no node or status lost", async () => {
  expect(process.getuid?.()).toBe(0);
  const r = await faultRun("daemon-kill");
  const f = r.faults[0];
  expect(f?.kind).toBe("daemon-kill");
  expect(f?.injectedAt).toBeGreaterThan(0);
  expect(f?.progress).toBeLessThan(0.9);
  expect(f?.checks.filter((c) => !c.ok)).toEqual([]);
  expect(f?.checks.map((c) => c.what)).toContain("no status lost");
  expect(f?.facts.reannounced).toBe("4/4");
  for (const n of r.nodes) expect(n.ok).toBe(true);
});

test("a node rebooted mid-download boots again and finishes with the same tree", async () => {
  expect(process.getuid?.()).toBe(0);
  const r = await faultRun("node-reboot");
  const f = r.faults[0];
  expect(f?.kind).toBe("node-reboot");
  expect(f?.progress).toBeGreaterThanOrEqual(0.3);
  expect(f?.progress).toBeLessThan(1);
  expect(f?.checks.filter((c) => !c.ok)).toEqual([]);
  expect(f?.checks.map((c) => c.what)).toContain("the rebooted node booted again and finished");
  expect(new Set(r.nodes.map((n) => n.treeHash)).size).toBe(1);
});
