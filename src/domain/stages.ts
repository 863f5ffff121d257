/**
 * A node's stage in a few fixed families, for metrics and the status page: the install script
 * reports many steps (install.prescript, install.setupbmc, …; node/install-body.sh), an operator
 * watches request → download → unpack → success. The families are a fixed list, so a label made
 * of them stays bounded whatever a node reports.
 */
import type { NodeStatus } from "./model.ts";
import { latestRun } from "./status.ts";

export const STAGE_FAMILIES = [
  "none",
  "boot",
  "request",
  "download",
  "unpack",
  "configure",
  "success",
  "error",
  "other",
] as const;
export type StageFamily = (typeof STAGE_FAMILIES)[number];

/** The families a node passes through and leaves, in order, whose durations are measured. */
export const TIMED_STAGES = ["boot", "request", "download", "unpack", "configure"] as const;

/** Why an install failed: the stage named in install.error.<stage>, from a fixed list. */
export const FAILURE_REASONS = [
  "start",
  "prescript",
  "setupbmc",
  "partscript",
  "download",
  "unpack",
  "setnet",
  "postscript",
  "root",
  "other",
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

const FAMILY_OF: Record<string, StageFamily> = {
  "boot.request": "boot",
  "install.request": "request",
  "install.start": "request",
  "install.prescript": "request",
  "install.setupbmc": "request",
  "install.setupbmc.failed": "request",
  "install.partscript": "request",
  "install.download": "download",
  "install.download.webseed": "download",
  "install.unpack": "unpack",
  "install.setnet": "configure",
  "install.postscript": "configure",
  "install.success": "success",
};

export function stageFamily(step: string | undefined): StageFamily {
  if (step === undefined) return "none";
  const known = FAMILY_OF[step];
  if (known) return known;
  return step.startsWith("install.error.") ? "error" : "other";
}

/** The reason of a failure step (install.error.<stage>), or undefined for any other step. */
export function failureReason(step: string): FailureReason | undefined {
  if (!step.startsWith("install.error.")) return undefined;
  const stage = step.slice("install.error.".length);
  return (FAILURE_REASONS as readonly string[]).includes(stage) ? (stage as FailureReason) : "other";
}

const seconds = (from: NodeStatus, to: NodeStatus) =>
  Math.max(0, (Date.parse(to.time) - Date.parse(from.time)) / 1000);

/**
 * What the last entry of a node's history ended: the timed stage it left (with how long the node
 * was in it) and, at install.success, the whole run from its start. Nothing when the entry stays
 * in the same family, starts a run, or the family left is not a timed one.
 */
export function stageEnded(history: NodeStatus[]): {
  left?: { stage: (typeof TIMED_STAGES)[number]; seconds: number };
  install?: number;
} {
  // Most reports stay in their stage: answered from the last two entries, without the run.
  const n = history.length;
  if (n < 2 || stageFamily(history[n - 1]?.step) === stageFamily(history[n - 2]?.step)) return {};
  const run = latestRun({ history });
  const last = run[run.length - 1];
  if (!last || run.length < 2) return {};
  const family = stageFamily(last.step);
  let i = run.length - 2;
  const previous = stageFamily(run[i]?.step);
  if (previous === family) return {};
  while (i > 0 && stageFamily(run[i - 1]?.step) === previous) i--;
  const out: ReturnType<typeof stageEnded> = {};
  if ((TIMED_STAGES as readonly string[]).includes(previous))
    out.left = {
      stage: previous as (typeof TIMED_STAGES)[number],
      seconds: seconds(run[i] as NodeStatus, last),
    };
  if (family === "success") out.install = seconds(run[0] as NodeStatus, last);
  return out;
}
