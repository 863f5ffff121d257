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
