/**
 * Node statuses: the stage a booting node reported last and the stages of its current boot
 * with their times, so `luna node status` can show a timeline and benchmarks can read
 * install.request → install.success from the daemon's own records.
 *
 * Only the current run is kept (a new one starts at boot.request, or at an install.request
 * that no boot.request preceded), at most HISTORY_LIMIT stages of it. Every status report
 * rewrites the node's document, and its size is what the control plane pays in a boot storm:
 * measured with wrk, 19 % of the bare-Elysia ceiling with 64 stages of history kept across
 * runs, 28-32 % with 8-16.
 */
import { STATUS_RE } from "./boot/urls.ts";
import { AppError } from "./errors.ts";
import type { Node, NodeStatus } from "./model.ts";

export const HISTORY_LIMIT = 32;

export function checkStatus(step: string): string {
  if (!STATUS_RE.test(step)) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `Invalid status '${step.slice(0, 80)}'`,
      "Use lower-case words joined by '.', e.g. install.download",
    );
  }
  return step;
}

/** Whether reporting `step` starts a new run (the boundary `latestRun` uses too). */
const startsRun = (previous: string | undefined, step: string) =>
  step === "boot.request" || (step === "install.request" && previous !== "boot.request");

export function withStatus(node: Node, step: string, time: string): Node {
  const entry: NodeStatus = { step: checkStatus(step), time };
  const earlier = startsRun(node.status?.step, step) ? [] : node.history;
  const history = [...earlier, entry].slice(-HISTORY_LIMIT);
  return { ...node, status: entry, history };
}

/** The stages of the latest boot: everything since the last boot.request or install.request. */
export function latestRun(node: Pick<Node, "history">): NodeStatus[] {
  const h = node.history;
  let start = 0;
  h.forEach((e, i) => {
    if (startsRun(h[i - 1]?.step, e.step)) start = i;
  });
  return h.slice(start);
}

/** Download progress of a node from its own tracker announces (addresses matched to the node). */
export function downloadProgress(
  addresses: Set<string>,
  peers: { ip: string; downloaded: number; left: number; uploaded: number; updated: string }[],
): { percent: number; uploaded: number; updated: string } | undefined {
  const mine = peers.filter((p) => addresses.has(p.ip)).sort((a, b) => b.updated.localeCompare(a.updated))[0];
  if (!mine) return undefined;
  const total = mine.downloaded + mine.left;
  return {
    percent: total > 0 ? (100 * mine.downloaded) / total : 100,
    uploaded: mine.uploaded,
    updated: mine.updated,
  };
}
