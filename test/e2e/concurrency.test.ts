/**
 * Allocation is atomic across processes: 50 `luna node add -g compute` started at once on one
 * SQLite store get 50 distinct names and 50 distinct addresses, all recorded.
 */
import { expect, test } from "bun:test";
import { sandbox } from "../helpers/luna.ts";
import { SEED } from "../helpers/seed-walkthrough.ts";

test("50 concurrent node adds get distinct names and addresses", async () => {
  await using box = await sandbox();
  expect((await box.sh(SEED(box.imageTree()))).code).toBe(0);
  const runs = await Promise.all(
    Array.from({ length: 50 }, () => box.luna(["node", "add", "-g", "compute"])),
  );
  for (const r of runs) {
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  }
  const printed = runs.map((r) => r.stdout.trim());
  expect(new Set(printed).size).toBe(50);
  const nodes = JSON.parse((await box.luna(["node", "list", "--json"])).stdout) as {
    name: string;
    interfaces: Record<string, { ip4?: string }>;
  }[];
  expect(nodes).toHaveLength(51);
  const boot = nodes.map((n) => n.interfaces.enp7s0?.ip4);
  const bmc = nodes.map((n) => n.interfaces.BMC?.ip4);
  expect(new Set(boot).size).toBe(51);
  expect(new Set(bmc).size).toBe(51);
  expect(boot.every(Boolean) && bmc.every(Boolean)).toBe(true);
  // Lowest-free allocation with no gaps: node001..node051 hold .0.1 .. .0.51.
  expect(new Set(nodes.map((n) => n.name))).toEqual(
    new Set(Array.from({ length: 51 }, (_, i) => `node${String(i + 1).padStart(3, "0")}`)),
  );
  expect(new Set(boot)).toEqual(new Set(Array.from({ length: 51 }, (_, i) => `10.30.0.${i + 1}`)));
});
