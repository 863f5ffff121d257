/**
 * WAL checkpoints off the event loop, for the long-running daemon. A checkpoint copies the
 * WAL's pages into the database file and fsyncs it; SQLite's automatic checkpoint does that
 * inside whichever commit crosses 1,000 WAL pages, so in a boot storm one status report in a
 * few hundred waited for an fsync (measured: 160 µs per small transaction with it, 80 µs
 * without; worst commit 16 ms against 0.9 ms). Here a worker thread with its own connection
 * runs PASSIVE checkpoints (they never block readers or writers) every `intervalMs` and after
 * every `everyCommits` commits, and the daemon's connection turns its automatic checkpoint off.
 * A checkpoint is repeated until it has caught up with the commits.
 *
 * That alone does not bound the WAL. SQLite starts the WAL over from its beginning only when a
 * write transaction *begins* while the WAL is fully copied and no reader uses it; under a
 * sustained flood the daemon's transactions follow each other back to back, each begun while
 * the checkpoint was still copying its predecessor's pages, so the WAL never starts over.
 * Measured (10,000 commits/s of 5 documents for 6 s): every checkpoint reported all frames
 * copied, yet the WAL grew to 1.2 GB; the same with no reader at all, so no reader pinned it.
 * So once a checkpoint finds more than `truncateAboveBytes` in the WAL, the daemon's next
 * writes wait (on `gate()`, asynchronously) while the worker runs a TRUNCATE checkpoint, which
 * needs the write lock: it copies what is left, waits for readers to leave the WAL (at most its
 * 1 s busy timeout) and cuts the file to zero. If the worker fails, the automatic checkpoint
 * comes back.
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
    const pageSize = db.query("PRAGMA page_size").get().page_size;
    if (e.data.truncate) {
      const r = db.query("PRAGMA wal_checkpoint(TRUNCATE)").get();
      postMessage({ ok: true, ...r, pageSize, truncated: r.busy === 0 });
      return;
    }
    // Again while commits keep adding frames, until the checkpoint has caught up (bounded per
    // tick), or until the WAL is big enough to be truncated.
    const q = db.query("PRAGMA wal_checkpoint(PASSIVE)");
    let r = q.get();
    for (let n = 1; n < 50 && r.checkpointed < r.log && r.log * pageSize <= e.data.above; n++) r = q.get();
    postMessage({ ok: true, ...r, pageSize, truncated: false });
  } catch (err) {
    postMessage({ ok: false, error: String(err) });
  }
};`;

interface Reply {
  ok: boolean;
  closed?: boolean;
  busy?: number;
  log?: number;
  checkpointed?: number;
  pageSize?: number;
  truncated?: boolean;
  error?: string;
}

export interface CheckpointOptions {
  intervalMs: number;
  onError: (message: string) => void;
  /** a checkpoint also after this many commits (default 100) */
  everyCommits?: number;
  /** a WAL found holding more than this is truncated (default 16 MiB) */
  truncateAboveBytes?: number;
}

export interface CheckpointResult {
  /** WAL pages after the checkpoint and how many of them are copied (0 and 0 once truncated) */
  log: number;
  checkpointed: number;
  truncated: boolean;
}

export interface Checkpointer {
  /** runs a checkpoint that starts after this call; resolves with its WAL figures */
  now(): Promise<CheckpointResult>;
  /** the daemon's connection committed a transaction */
  committed(): void;
  /** while a truncation is due or running: resolves when it is over (writers wait for it) */
  gate(): Promise<void> | undefined;
  /** closes the worker's connection and ends the thread */
  stop(): Promise<void>;
}

export function startCheckpointer(db: Database, path: string, o: CheckpointOptions): Checkpointer {
  const { onError } = o;
  const everyCommits = o.everyCommits ?? 100;
  const limit = o.truncateAboveBytes ?? 16 * 1024 * 1024;
  const url = URL.createObjectURL(new Blob([WORKER], { type: "application/javascript" }));
  const worker = new Worker(url);
  type Waiter = (r: Reply) => void;
  let inflight: { waiters: Waiter[]; truncate: boolean } | null = null; // the running checkpoint
  let next: Waiter[] = []; // these wait for one that starts later
  let truncateDue = false;
  let gateOpen: PromiseWithResolvers<void> | undefined;
  let commits = 0;
  // raised after a truncation found a reader pinning the WAL, so it is not retried at every tick
  let above = limit;
  let state: "running" | "failed" | "stopped" = "running";
  let onClosed: (() => void) | undefined;

  const openGate = () => {
    gateOpen?.resolve();
    gateOpen = undefined;
  };
  const fail = (message: string) => {
    if (state !== "running") return;
    state = "failed";
    db.run("PRAGMA wal_autocheckpoint = 1000");
    clearInterval(timer);
    worker.terminate();
    openGate();
    for (const w of [...(inflight?.waiters ?? []), ...next]) w({ ok: false, error: message });
    onError(`background WAL checkpoints stopped, commits checkpoint again: ${message}`);
  };
  const tick = () => {
    if (inflight || state !== "running") return;
    inflight = { waiters: next, truncate: truncateDue };
    next = [];
    truncateDue = false;
    commits = 0;
    worker.postMessage({ path, truncate: inflight.truncate, above });
  };
  worker.onmessage = (e: MessageEvent) => {
    const r = e.data as Reply;
    if (r.closed) return onClosed?.();
    const run = inflight;
    inflight = null;
    for (const w of run?.waiters ?? []) w(r);
    if (!r.ok) return fail(r.error ?? "unknown error");
    const bytes = (r.log ?? 0) * (r.pageSize ?? 0);
    if (run?.truncate) {
      openGate();
      above = r.truncated ? limit : Math.max(limit, 2 * bytes);
    } else if (bytes > above) {
      truncateDue = true;
      const gate = Promise.withResolvers<void>();
      gateOpen = gate;
      // bounded even if the worker hangs: writers then meet the lock and wait on timers
      setTimeout(() => gateOpen === gate && openGate(), 5000).unref?.();
    }
    if (next.length > 0 || truncateDue) tick();
  };
  worker.onerror = (e: ErrorEvent) => fail(e.message);
  db.run("PRAGMA wal_autocheckpoint = 0");
  db.run(`PRAGMA journal_size_limit = ${64 * 1024 * 1024}`);
  const timer = setInterval(tick, o.intervalMs);
  timer.unref?.();

  return {
    now() {
      return new Promise((resolve, reject) => {
        if (state !== "running") return reject(new Error(`the checkpoint worker has ${state}`));
        next.push((r) =>
          r.ok
            ? resolve({ log: r.log ?? 0, checkpointed: r.checkpointed ?? 0, truncated: r.truncated ?? false })
            : reject(new Error(r.error)),
        );
        tick();
      });
    },
    committed() {
      if (++commits >= everyCommits) tick();
    },
    gate: () => gateOpen?.promise,
    async stop() {
      clearInterval(timer);
      openGate();
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
