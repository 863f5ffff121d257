/**
 * WAL checkpoints off the event loop, for the daemon. SQLite's automatic checkpoint fsyncs
 * inside whichever commit crosses 1,000 WAL pages; here a worker thread (checkpoint-worker.ts,
 * its own connection) runs PASSIVE checkpoints every `intervalMs` and every `everyCommits`
 * commits, and the daemon's connection turns the automatic one off. Under a sustained flood
 * the WAL never starts over by itself, so once it holds more than `truncateAboveBytes` the
 * daemon's writes wait on `gate()` while the worker truncates it. A checkpoint that fails (a
 * full disk) is reported once and retried at the next tick; only if the thread itself dies does
 * the automatic checkpoint come back. Measurements: docs/benchmarks.md (control-plane notes).
 */
import type { Database } from "bun:sqlite";
import type { CheckpointRequest, CheckpointReply as Reply } from "./checkpoint-worker.ts";

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
  // A module of its own (scripts/build.ts adds it to the binary as an entrypoint).
  const worker = new Worker(new URL("./checkpoint-worker.ts", import.meta.url));
  const send = (request: CheckpointRequest) => worker.postMessage(request);
  type Waiter = (r: Reply) => void;
  let inflight: { waiters: Waiter[]; truncate: boolean } | null = null; // the running checkpoint
  let next: Waiter[] = []; // these wait for one that starts later
  let truncateDue = false;
  let gateOpen: PromiseWithResolvers<void> | undefined;
  let commits = 0;
  // raised after a truncation found a reader pinning the WAL, so it is not retried at every tick
  let above = limit;
  let state: "running" | "failed" | "stopped" = "running";
  // the error of the checkpoints failing since the last one that worked, reported once
  let failing: string | undefined;
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
    send({ path, truncate: inflight.truncate, above });
  };
  worker.onmessage = (e: MessageEvent) => {
    const r = e.data as Reply;
    if (r.closed) return onClosed?.();
    const run = inflight;
    inflight = null;
    for (const w of run?.waiters ?? []) w(r);
    if (!r.ok) {
      // Transient (a full disk, an I/O error): the next tick tries again; a truncation due
      // stays due, and writers waiting on the gate go on (they meet the error themselves).
      if (run?.truncate) {
        truncateDue = true;
        openGate();
      }
      if (failing === undefined)
        onError(`WAL checkpoint failed, retrying every tick: ${r.error ?? "unknown error"}`);
      failing = r.error ?? "unknown error";
      return;
    }
    if (failing !== undefined) {
      onError(`WAL checkpoints work again (they failed with: ${failing})`);
      failing = undefined;
    }
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
          send({ close: true });
          setTimeout(resolve, 5000).unref?.();
        });
      }
      worker.terminate();
    },
  };
}
