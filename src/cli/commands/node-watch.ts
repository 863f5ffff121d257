/**
 * The loop of `luna node status --watch`: read the store every interval (no daemon needed),
 * then redraw a terminal in place, or print what changed as timestamped lines when stdout is
 * not a terminal, or one JSON object per round with --json. Ctrl-C (SIGINT) or SIGTERM ends it
 * with exit 0 and the cursor shown again. What is drawn is decided in ../status-watch.ts.
 */
import { mustGet } from "../../domain/common.ts";
import { AppError } from "../../domain/errors.ts";
import type { Node } from "../../domain/model.ts";
import type { Store } from "../../domain/store.ts";
import type { CliContext } from "../context.ts";
import {
  changes,
  renderFrame,
  type Snapshot,
  type StatusRow,
  snapshot,
  statusRows,
} from "../status-watch.ts";

const MIN_INTERVAL = 0.2;
const MAX_INTERVAL = 3600;

// ANSI/VT100 control sequences (ECMA-48): cursor home, erase to end of line / of screen,
// erase the whole screen, hide and show the cursor (DECTCEM, a private mode every xterm knows).
const HOME = "\x1b[H";
const ERASE_LINE = "\x1b[K";
const ERASE_BELOW = "\x1b[J";
const CLEAR = "\x1b[2J";
const HIDE_CURSOR = "\x1b[?25l";
const SHOW_CURSOR = "\x1b[?25h";

/** `--interval SECONDS`, default 1, within MIN_INTERVAL..MAX_INTERVAL. */
export function parseInterval(text: string | undefined): number {
  if (text === undefined) return 1;
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || seconds < MIN_INTERVAL || seconds > MAX_INTERVAL) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `Invalid --interval '${text}'`,
      `Give seconds from ${MIN_INTERVAL} to ${MAX_INTERVAL}, e.g. --interval 2`,
    );
  }
  return seconds;
}

/** Status rows of `nodes` with the peers the tracker still counts (src/torrent/tracker.ts: two intervals and 5 s). */
export async function loadStatusRows(store: Store, nodes: Node[], now: Date): Promise<StatusRow[]> {
  const cluster = await store.byName("cluster", "general");
  const peerHorizonSeconds = 2 * (cluster?.tracker_interval ?? 10) + 5;
  return statusRows(nodes, await store.list("peer"), { now, peerHorizonSeconds });
}

async function readRound(store: Store, names: Set<string> | undefined, now: Date): Promise<Snapshot> {
  const nodes = (await store.list("node")).filter((n) => !names || names.has(n.name));
  return snapshot(await loadStatusRows(store, nodes, now), now);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}

export async function watchStatus(
  ctx: CliContext,
  o: { names?: string[]; interval: number; json: boolean },
): Promise<void> {
  const store = await ctx.store();
  // A misspelt name is an error up front; a node deleted while watching shows as deleted.
  if (o.names) await Promise.all(o.names.map((n) => mustGet(store, "node", n)));
  const names = o.names ? new Set(o.names) : undefined;
  const out = process.stdout;
  const tty = Boolean(out.isTTY) && !o.json;
  const stop = new AbortController();
  const end = () => stop.abort();
  process.on("SIGINT", end);
  process.on("SIGTERM", end);
  // A reader that went away (`luna node status -w | head`) ends the watch too.
  out.on("error", end);
  if (tty) out.write(`${HIDE_CURSOR}${CLEAR}${HOME}`);
  try {
    let previous: Snapshot | undefined;
    while (!stop.signal.aborted) {
      const started = Date.now();
      const snap = await readRound(store, names, ctx.now());
      if (o.json) {
        out.write(`${JSON.stringify({ time: snap.time, summary: snap.summary, nodes: snap.rows })}\n`);
      } else if (tty) {
        const size = { columns: out.columns || 80, rows: out.rows || 24, interval: o.interval };
        out.write(`${HOME}${renderFrame(snap, size).join(`${ERASE_LINE}\n`)}${ERASE_LINE}${ERASE_BELOW}`);
      } else {
        const lines = changes(previous, snap);
        if (lines.length > 0) out.write(`${lines.join("\n")}\n`);
      }
      previous = snap;
      await pause(o.interval * 1000 - (Date.now() - started), stop.signal);
    }
  } finally {
    process.off("SIGINT", end);
    process.off("SIGTERM", end);
    out.off("error", end);
    if (tty) out.write(`${SHOW_CURSOR}\n`);
  }
}
