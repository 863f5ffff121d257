/**
 * `luna node status` and its `--watch`, the pure part: one row per node (stage, download %,
 * swarm peers), the summary of a boot storm, the frame a terminal redraws, and the lines that
 * changed between two rounds for a log. The loop and the terminal live in commands/node-watch.ts.
 */
import type { Node, NodeStatus, Peer } from "../domain/model.ts";
import { nodeAddresses } from "../domain/node.ts";
import { downloadProgress, latestRun } from "../domain/status.ts";
import { age, duration, table } from "./render.ts";

export interface StatusRow {
  name: string;
  status: NodeStatus | null;
  stages: NodeStatus[];
  download?: { percent: number; uploaded: number; updated: string };
  /** other members of the node's swarm the tracker heard from lately; only when the node announced */
  peers?: number;
}

export interface Summary {
  total: number;
  done: number;
  /** nodes per stage family (see `familyOf`), families with no node left out */
  families: Record<string, number>;
  /** when the first run of the latest boot storm started, and how long the storm has lasted */
  stormStart?: string;
  elapsedSeconds?: number;
}

export interface Snapshot {
  time: string;
  rows: StatusRow[];
  summary: Summary;
}

const push = <K, V>(m: Map<K, V[]>, k: K, v: V) => {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
};

/**
 * Rows for `nodes`. Peers count as fresh the way the tracker counts them: heard from within
 * `peerHorizonSeconds` (2 × tracker_interval + 5 there).
 */
export function statusRows(
  nodes: Node[],
  peers: Peer[],
  o: { now: Date; peerHorizonSeconds: number },
): StatusRow[] {
  const since = o.now.getTime() - o.peerHorizonSeconds * 1000;
  const byIp = new Map<string, Peer[]>();
  const swarm = new Map<string, number>();
  for (const p of peers) {
    push(byIp, p.ip, p);
    if (Date.parse(p.updated) >= since) swarm.set(p.infohash, (swarm.get(p.infohash) ?? 0) + 1);
  }
  return nodes.map((n) => {
    const addresses = nodeAddresses(n);
    const own = [...addresses].flatMap((a) => byIp.get(a) ?? []);
    const row: StatusRow = { name: n.name, status: n.status, stages: latestRun(n) };
    if (n.status?.step === "install.download") row.download = downloadProgress(addresses, own);
    const fresh = own.filter((p) => Date.parse(p.updated) >= since);
    const latest = fresh.sort((a, b) => b.updated.localeCompare(a.updated))[0];
    if (latest) {
      const mine = fresh.filter((p) => p.infohash === latest.infohash).length;
      row.peers = (swarm.get(latest.infohash) ?? 0) - mine;
    }
    return row;
  });
}

/**
 * The family a stage belongs to: `done` (install.success), `failed` (any `error` stage: the
 * install stopped), `idle` (never reported), else the stage's first word (boot, install).
 * install.setupbmc.failed is not a failure: the install goes on without the BMC.
 */
export function familyOf(step: string | undefined): string {
  if (!step) return "idle";
  if (step === "install.success") return "done";
  if (/(^|\.)error(\.|$)/.test(step)) return "failed";
  return step.split(".")[0] as string;
}

const FAMILY_ORDER = ["idle", "boot", "install", "done", "failed"];
const rank = (f: string) => (FAMILY_ORDER.includes(f) ? FAMILY_ORDER.indexOf(f) : 2.5);

/** Ten quiet minutes (no run starting, no stage reported) separate one boot storm from the next. */
const STORM_GAP_MS = 10 * 60_000;

/**
 * The latest boot storm: runs (boot.request → last stage) merged while each starts within
 * STORM_GAP_MS of the stages before it. Its elapsed time runs on while a run in it is unfinished,
 * and stops at its last stage once every run ended in success or an error.
 */
function storm(rows: StatusRow[], now: Date): { start: number; end: number } | undefined {
  const runs = rows
    .filter((r) => r.stages.length > 0)
    .map((r) => {
      const f = familyOf(r.status?.step);
      return {
        start: Date.parse(r.stages[0]?.time ?? ""),
        last: Date.parse(r.stages.at(-1)?.time ?? ""),
        finished: f === "done" || f === "failed",
      };
    })
    .sort((a, b) => a.start - b.start);
  let current: { start: number; last: number; open: boolean } | undefined;
  for (const r of runs) {
    if (!current || r.start > current.last + STORM_GAP_MS)
      current = { start: r.start, last: r.last, open: false };
    current.last = Math.max(current.last, r.last);
    current.open ||= !r.finished;
  }
  if (!current) return undefined;
  return { start: current.start, end: current.open ? Math.max(now.getTime(), current.last) : current.last };
}

export function summarize(rows: StatusRow[], now: Date): Summary {
  const counts = new Map<string, number>();
  for (const r of rows) {
    const f = familyOf(r.status?.step);
    counts.set(f, (counts.get(f) ?? 0) + 1);
  }
  const families = Object.fromEntries(
    [...counts].sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b)),
  );
  const summary: Summary = { total: rows.length, done: counts.get("done") ?? 0, families };
  const s = storm(rows, now);
  if (s) {
    summary.stormStart = new Date(s.start).toISOString();
    summary.elapsedSeconds = Math.floor((s.end - s.start) / 1000);
  }
  return summary;
}

export function snapshot(rows: StatusRow[], now: Date): Snapshot {
  return { time: now.toISOString(), rows, summary: summarize(rows, now) };
}

/** `boot 3, install 40, failed 2 | done 25/72 | elapsed 0:04:12` */
export function summaryLine(s: Summary): string {
  const families = Object.entries(s.families)
    .filter(([f]) => f !== "done")
    .map(([f, n]) => `${f} ${n}`);
  const parts = [families.join(", "), `done ${s.done}/${s.total}`];
  if (s.elapsedSeconds !== undefined) parts.push(`elapsed ${duration(s.elapsedSeconds)}`);
  return parts.filter(Boolean).join(" | ");
}

const percent = (r: StatusRow) => (r.download ? `${r.download.percent.toFixed(0)}%` : "-");

/**
 * What the terminal shows: a title, the summary, then a table of the nodes, cut to the
 * terminal's size (a wrapped or scrolled line would break the redraw in place).
 */
export function renderFrame(
  snap: Snapshot,
  o: { columns: number; rows: number; interval: number },
): string[] {
  const now = new Date(snap.time);
  const title = `luna node status, every ${o.interval}s (Ctrl-C ends)`;
  const clock = snap.time.slice(11, 19);
  const head = [`${title}${" ".repeat(Math.max(1, o.columns - title.length - clock.length))}${clock}`];
  head.push(summaryLine(snap.summary), "");
  const body = table(
    ["Name", "Stage", "In stage", "Download", "Peers"],
    snap.rows.map((r) => [
      r.name,
      r.status?.step ?? "-",
      r.status ? age(r.status.time, now) : "-",
      percent(r),
      r.peers === undefined ? "-" : String(r.peers),
    ]),
  ).split("\n");
  let lines = [...head, ...body];
  const room = Math.max(1, o.rows - 1);
  if (lines.length > room) {
    const hidden = lines.length - (room - 1);
    lines = [
      ...lines.slice(0, room - 1),
      `... ${hidden} more lines: enlarge the terminal or give a hostlist`,
    ];
  }
  return lines.map((l) => l.slice(0, Math.max(1, o.columns)));
}

/** What a log line says about a node; download % in steps of 10 so a log stays readable. */
function rowKey(r: StatusRow): string {
  const bucket = r.download ? Math.floor(r.download.percent / 10) : -1;
  return `${r.status?.step}|${r.status?.time}|${bucket}`;
}

function rowText(r: StatusRow): string {
  const parts = [r.name, r.status?.step ?? "-"];
  if (r.download) parts.push(`${(Math.floor(r.download.percent / 10) * 10).toFixed(0)}%`);
  if (r.peers !== undefined) parts.push(`peers ${r.peers}`);
  return parts.join(" ");
}

/**
 * Lines for a log: one per node whose stage changed (or whose download passed a 10 % step),
 * appeared or was deleted since `prev`, then the summary if its counts changed. Each starts
 * with the round's time (UTC, seconds). The first round (no `prev`) lists every node.
 */
export function changes(prev: Snapshot | undefined, next: Snapshot): string[] {
  const stamp = `${next.time.slice(0, 19)}Z`;
  const before = new Map((prev?.rows ?? []).map((r) => [r.name, r]));
  const lines: string[] = [];
  for (const r of next.rows) {
    const old = before.get(r.name);
    before.delete(r.name);
    if (!old || rowKey(old) !== rowKey(r)) lines.push(`${stamp} ${rowText(r)}`);
  }
  for (const name of before.keys()) lines.push(`${stamp} ${name} deleted`);
  const counts = (s: Summary) => JSON.stringify([s.families, s.done, s.total]);
  if (!prev || counts(prev.summary) !== counts(next.summary))
    lines.push(`${stamp} ${summaryLine(next.summary)}`);
  return lines;
}
