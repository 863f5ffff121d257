/**
 * scripts/link-check: bulk TCP over the boot-storm emulation's shaped links, the baseline the
 * swarm's link use is read against. Needs root (network namespaces); CI runs as root.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { runLinkCheck } from "../../scripts/lib/link-check.ts";

const script = join(import.meta.dir, "../../scripts/link-check.ts");

test("every node's downlink carries the flows sent to it, and no more than its shaper allows", async () => {
  expect(process.getuid?.()).toBe(0);
  const r = await runLinkCheck({ nodes: 3, fanout: 2, mbit: 8, seconds: 2, id: "lct" });
  expect(r.rxMbit).toHaveLength(3);
  expect(r.seconds).toBeGreaterThanOrEqual(2);
  for (const v of r.rxMbit) {
    expect(v).toBeGreaterThan(0);
    // tbf's bucket may let a burst through at the window's edges, never a second link's worth
    expect(v).toBeLessThan(8 * 1.5);
  }
});

test("bad flags are refused with a reason, before any namespace is made", () => {
  for (const [args, msg] of [
    [["--nodes", "3", "--fanout", "3"], "--fanout must be less than --nodes (3)"],
    [["--nodes", "1"], '--nodes takes a whole number ≥ 2, not "1"'],
    [["--mbit", "fast"], '--mbit takes a whole number ≥ 1, not "fast"'],
  ] as const) {
    const p = Bun.spawnSync([process.execPath, script, ...args], { stderr: "pipe" });
    expect(p.exitCode).toBe(2);
    expect(p.stderr.toString()).toContain(msg);
  }
});

test("runLinkCheck refuses the same options with the same reasons, before any namespace is made", async () => {
  await expect(runLinkCheck({ nodes: 3, fanout: 3, mbit: 1 })).rejects.toThrow(
    "--fanout must be less than --nodes (3)",
  );
  await expect(runLinkCheck({ nodes: 1, fanout: 1, mbit: 1 })).rejects.toThrow(
    "--nodes takes a whole number ≥ 2 (got 1)",
  );
  expect((await Bun.$`ip netns list`.text()).includes("lnd-lc")).toBe(false);
});
