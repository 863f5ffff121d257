/**
 * The swarm at work (issue 5): four emulated nodes on shaped 100 Mbit/s links download a
 * 64 MB packed image with aria2c through our tracker. Every node verifies and unpacks the
 * same tree, the head node sends fewer than four copies, and nodes upload pieces to each
 * other (their own announces say so). The issue asks for loopback; each node has its own
 * network namespace instead, so the head node's upload is counted on its own link and the
 * links are shaped like a real cluster's. Needs root (network namespaces); CI runs as root.
 */
import { expect, test } from "bun:test";
import { runClusterSim } from "../../scripts/lib/cluster-sim.ts";
import { lunaBinary } from "../helpers/luna.ts";

test("four nodes share the image through the swarm and the head sends fewer than four copies", async () => {
  expect(process.getuid?.()).toBe(0);
  const r = await runClusterSim({
    luna: await lunaBinary(),
    nodes: 4,
    sizeMB: 64,
    method: "torrent",
    seedTail: 30,
    nodeMbit: 100,
    headMbit: 100,
    timeoutSec: 240,
  });
  for (const n of r.nodes) expect(n.ok).toBe(true);
  expect(new Set(r.nodes.map((n) => n.treeHash)).size).toBe(1);
  const copies = r.headTxBytes / r.imageBytes;
  console.log(`head sent ${copies.toFixed(2)} image copies; node uploads ${JSON.stringify(r.peerUploaded)}`);
  expect(copies).toBeLessThan(3.5);
  const sharing = Object.values(r.peerUploaded).filter((b) => b > 0);
  expect(sharing.length).toBeGreaterThanOrEqual(2);
});
