/**
 * WAL checkpoints off the event loop, for the long-running daemon. A checkpoint copies the
 * WAL's pages into the database file and fsyncs it; SQLite's automatic checkpoint does that
 * inside whichever commit crosses 1,000 WAL pages, so in a boot storm one status report in a
 * few hundred waited for an fsync (measured: 160 µs per small transaction with it, 80 µs
 * without; worst commit 16 ms against 0.9 ms). Here a worker thread with its own connection
 * runs PASSIVE checkpoints (they never block readers or writers) every `intervalMs`, and the
 * daemon's connection turns its automatic checkpoint off. A checkpoint is repeated until it has
 * caught up with the commits, because SQLite starts the WAL over only when a commit finds it
 * fully copied; on that reset the file is cut back to 64 MiB. Under a sustained flood of
 * commits (wrk at ~15,000 requests/s, far beyond a boot storm's few hundred) the checkpoints
 * still fall behind and the WAL grew by 400 MB in 20 s until the flood stopped; a TRUNCATE
 * checkpoint past 256 MiB bounded it but stalled commits for ~200 ms, so it is not done. If the
 * worker fails, the automatic checkpoint comes back.
 */
import type { Database } from "bun:sqlite";

const WORKER = `
import { Database } from "bun:sqlite";
let db;
self.onmessage = (e) => {
  try {
    if (e.data.close) {
      db?.close();
      db = undefined;
      postMessage({ ok: true, closed: true });
      return;
    }
    if (!db) {
      db = new Database(e.data.path, { strict: true });
      db.run("PRAGMA busy_timeout = 1000");
    }
    // Again while commits keep adding frames, until the checkpoint has caught up: only then
    // can the next commit start the WAL over from its beginning (bounded per tick).
    const q = db.query("PRAGMA wal_checkpoint(PASSIVE)");
    let r = q.get();
    for (let n = 1; n < 50 && r.checkpointed < r.log; n++) r = q.get();
    postMessage({ ok: true, log: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    postMessage({ ok: false, error: String(err) });
  }
};`;

interface Reply {
  ok: boolean;
  closed?: boolean;
  log?: number;
  checkpointed?: number;
  error?: string;
}

export interface Checkpointer {
  /** runs a checkpoint that starts after this call; resolves with its WAL figures (pages) */
  now(): Promise<{ log: number; checkpointed: number }>;
  /** closes the worker's connection and ends the thread */
  stop(): Promise<void>;
}

export function startCheckpointer(
  db: Database,
  path: string,
  intervalMs: number,
  onError: (message: string) => void,
): Checkpointer {
  const url = URL.createObjectURL(new Blob([WORKER], { type: "application/javascript" }));
  const worker = new Worker(url);
  type Waiter = (r: Reply) => void;
  let inflight: Waiter[] | null = null; // a checkpoint is running; these wait for it
  let next: Waiter[] = []; // these wait for one that starts later
  let state: "running" | "failed" | "stopped" = "running";
  let onClosed: (() => void) | undefined;

  const fail = (message: string) => {
    if (state !== "running") return;
    state = "failed";
    db.run("PRAGMA wal_autocheckpoint = 1000");
    clearInterval(timer);
    worker.terminate();
    for (const w of [...(inflight ?? []), ...next]) w({ ok: false, error: message });
    onError(`background WAL checkpoints stopped, commits checkpoint again: ${message}`);
  };
  const tick = () => {
    if (inflight || state !== "running") return;
    inflight = next;
    next = [];
    worker.postMessage({ path });
  };
  worker.onmessage = (e: MessageEvent) => {
    const r = e.data as Reply;
    if (r.closed) return onClosed?.();
    const done = inflight ?? [];
    inflight = null;
    for (const w of done) w(r);
    if (!r.ok) fail(r.error ?? "unknown error");
    else if (next.length > 0) tick();
  };
  worker.onerror = (e: ErrorEvent) => fail(e.message);
  db.run("PRAGMA wal_autocheckpoint = 0");
  db.run(`PRAGMA journal_size_limit = ${64 * 1024 * 1024}`);
  const timer = setInterval(tick, intervalMs);
  timer.unref?.();

  return {
    now() {
      return new Promise((resolve, reject) => {
        if (state !== "running") return reject(new Error(`the checkpoint worker has ${state}`));
        next.push((r) =>
          r.ok ? resolve({ log: r.log ?? 0, checkpointed: r.checkpointed ?? 0 }) : reject(new Error(r.error)),
        );
        tick();
      });
    },
    async stop() {
      clearInterval(timer);
      if (state === "running") {
        state = "stopped";
        // Close the worker's connection before the thread goes, so no SQLite lock is left behind
        // (bounded: a wedged worker is terminated anyway).
        await new Promise<void>((resolve) => {
          onClosed = resolve;
          worker.postMessage({ close: true });
          setTimeout(resolve, 5000).unref?.();
        });
      }
      worker.terminate();
      URL.revokeObjectURL(url);
    },
  };
}
