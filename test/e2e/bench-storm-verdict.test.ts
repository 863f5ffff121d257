/**
 * The boot-storm bench's verdict (scripts/lib/bench-storm-verdict.ts): a miss is said with its
 * size, and a hair over the line is not rounded to "missed by 0 %". Rows are the committed
 * bench run's (docs/boot-storm.json), with luna's N = 1 time set against torrent0's.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import type { StormRow } from "../../scripts/lib/bench-storm-report.ts";
import { renderVerdict } from "../../scripts/lib/bench-storm-verdict.ts";

const doc = (await Bun.file(join(import.meta.dir, "../../docs/boot-storm.json")).json()) as {
  rows: StormRow[];
};
const rows = doc.rows.filter((r) => r.headRatio === 1 && r.n === 1);

function withLuna(factor: number): string {
  const t0 = rows.find((r) => r.mode === "torrent0") as StormRow;
  const set = rows.map((r) => (r.mode === "torrent" ? { ...r, last: t0.last * factor } : r));
  const line = renderVerdict(set)
    .split("\n")
    .find((l) => l.includes("luna no slower than stock or torrent0"));
  return line ?? "";
}

test("a miss under one percent is given in tenths, not as 0 %", () => {
  expect(withLuna(1.003)).toContain("missed at N=1 by 0.3 %");
  expect(withLuna(1.0004)).toContain("missed at N=1 by < 0.1 %");
  expect(withLuna(1.18)).toContain("missed at N=1 by 18 %");
  expect(withLuna(0.99)).toMatch(/\| met \|$/);
});
