/**
 * Stage families (src/domain/stages.ts): the fixed list a metric label or the status page uses,
 * what a new report ends, and failure reasons.
 */
import { expect, test } from "bun:test";
import { failureReason, stageEnded, stageFamily } from "../../src/domain/stages.ts";

test("stageFamily maps every step the install script reports, and anything else to other", () => {
  const table: [string | undefined, string][] = [
    [undefined, "none"],
    ["boot.request", "boot"],
    ["install.request", "request"],
    ["install.setupbmc.failed", "request"],
    ["install.download.webseed", "download"],
    ["install.unpack", "unpack"],
    ["install.postscript", "configure"],
    ["install.success", "success"],
    ["install.error.root", "error"],
    ["install.bench3", "other"],
  ];
  for (const [step, family] of table) expect(`${step} ${stageFamily(step)}`).toBe(`${step} ${family}`);
});

test("failureReason names the stage of install.error.<stage> from a fixed list", () => {
  expect(failureReason("install.error.download")).toBe("download");
  expect(failureReason("install.error.made-up-by-a-node")).toBe("other");
  expect(failureReason("install.success")).toBeUndefined();
});

const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s)).toISOString();
const h = (...steps: [string, number][]) => steps.map(([step, s]) => ({ step, time: at(s) }));

test("stageEnded gives the stage a report leaves, from the first report of that stage", () => {
  expect(stageEnded(h(["boot.request", 0]))).toEqual({});
  expect(stageEnded(h(["boot.request", 0], ["install.request", 4]))).toEqual({
    left: { stage: "boot", seconds: 4 },
  });
  // prescript and partscript are part of request: the download ends it, counted from install.request
  const run = h(
    ["boot.request", 0],
    ["install.request", 4],
    ["install.prescript", 5],
    ["install.download", 9],
  );
  expect(stageEnded(run)).toEqual({ left: { stage: "request", seconds: 5 } });
  expect(stageEnded(run.slice(0, 3))).toEqual({});
  // install.success ends configure and the whole run
  expect(
    stageEnded([...run, ...h(["install.unpack", 30], ["install.setnet", 40], ["install.success", 42])]),
  ).toEqual({
    left: { stage: "configure", seconds: 2 },
    install: 42,
  });
  // a new run (boot.request) after an old one ends nothing
  expect(stageEnded([...run, ...h(["boot.request", 100])])).toEqual({});
});
