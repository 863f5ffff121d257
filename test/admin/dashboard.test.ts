/**
 * The sample Grafana dashboard (docs/grafana-dashboard.json) asks only for metrics the daemon
 * has: every `luna_*` name in its queries is listed in docs/metrics.md.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";

const DOCS = join(import.meta.dir, "..", "..", "docs");

test("the Grafana dashboard queries only metrics docs/metrics.md lists", async () => {
  const dashboard = (await Bun.file(join(DOCS, "grafana-dashboard.json")).json()) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  const listed = await Bun.file(join(DOCS, "metrics.md")).text();
  const used = new Set<string>();
  for (const p of dashboard.panels)
    for (const t of p.targets)
      for (const m of t.expr.matchAll(/\bluna_[a-z_]+/g)) used.add(m[0].replace(/_(bucket|count|sum)$/, ""));
  expect(used.size).toBeGreaterThan(10);
  const missing = [...used].filter((name) => !listed.includes(`\`${name}\``));
  expect(missing).toEqual([]);
});
