/**
 * Fault test (issue 5): the head node's aria2c seeder (daemon.seeder = aria2c) hangs (SIGSTOP) once a node has 30% of the
 * image; every node still finishes, from its peers and, once the swarm has stalled, the web
 * seed (the tarball over HTTP from the daemon, added by the install script), and unpacks the
 * same tree. Needs root (network namespaces).
 */
import { expect, test } from "bun:test";
import { runClusterSim } from "../../scripts/lib/cluster-sim.ts";
import { lunaBinary } from "../helpers/luna.ts";

test("every node finishes when the head node's seeder hangs at 30%", async () => {
  expect(process.getuid?.()).toBe(0);
  const r = await runClusterSim({
    luna: await lunaBinary(),
    nodes: 3,
    // Slow links, so announces (every 5 s) report progress between 0% and 100%.
    sizeMB: 16,
    method: "torrent",
    seedTail: 10,
    nodeMbit: 10,
    headMbit: 10,
    timeoutSec: 240,
    freezeSeederAt: 0.3,
    // a seeder process of its own to hang (ours runs inside the daemon, which would hang with it)
    daemonEnv: { LUNA_SEEDER: "aria2c" },
  });
  expect(r.seederFrozenAt).toBeGreaterThanOrEqual(0.3);
  expect(r.seederFrozenAt).toBeLessThan(1);
  for (const n of r.nodes) expect(n.ok).toBe(true);
  expect(new Set(r.nodes.map((n) => n.treeHash)).size).toBe(1);
  // The rest came over the web seed: some node fetched a share of the image from it.
  expect(Math.max(...r.nodes.map((n) => n.bytes.fromWeb))).toBeGreaterThan(r.imageBytes / 10);
});
