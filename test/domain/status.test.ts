/**
 * Node statuses: a node's document keeps the stages of its current run only (bounded), so a
 * status report rewrites a small document however many times the node has booted.
 */
import { expect, test } from "bun:test";
import type { Node } from "../../src/domain/model.ts";
import { HISTORY_LIMIT, latestRun, withStatus } from "../../src/domain/status.ts";

const bare = { id: "n1", name: "node001" } as unknown as Node;
const report = (node: Node, steps: string[]) =>
  steps.reduce(
    (n, step, i) => withStatus(n, step, `2026-11-25T10:00:${String(i).padStart(2, "0")}.000Z`),
    node,
  );
const steps = (n: Node) => (n.history ?? []).map((h) => h.step);

test("a boot.request starts a new run: the stages of the previous one are dropped", () => {
  const first = report(bare, [
    "boot.request",
    "install.request",
    "install.download",
    "install.error.download",
  ]);
  expect(steps(first)).toEqual([
    "boot.request",
    "install.request",
    "install.download",
    "install.error.download",
  ]);
  const second = report(first, ["boot.request", "install.request"]);
  expect(steps(second)).toEqual(["boot.request", "install.request"]);
  expect(second.status?.step).toBe("install.request");
  expect(latestRun(second).map((s) => s.step)).toEqual(["boot.request", "install.request"]);
});

test("an install.request without a boot.request before it (install script fetched again) starts a run", () => {
  const n = report(bare, [
    "boot.request",
    "install.request",
    "install.download",
    "install.request",
    "install.prescript",
  ]);
  expect(steps(n)).toEqual(["install.request", "install.prescript"]);
});

test("a chatty run keeps only its last HISTORY_LIMIT stages", () => {
  const many = Array.from({ length: HISTORY_LIMIT + 5 }, (_, i) => `install.progress${i}`);
  const n = report(bare, ["boot.request", ...many]);
  expect(n.history?.length).toBe(HISTORY_LIMIT);
  expect(n.history?.at(-1)?.step).toBe(`install.progress${HISTORY_LIMIT + 4}`);
});

test("latestRun still finds the current run in a document stored with several runs", () => {
  const old = {
    ...bare,
    history: ["boot.request", "install.request", "install.success", "boot.request", "install.request"].map(
      (step) => ({
        step,
        time: "2026-11-25T10:00:00.000Z",
      }),
    ),
  } as Node;
  expect(latestRun(old).map((s) => s.step)).toEqual(["boot.request", "install.request"]);
});
