/**
 * Waiting for another process's SQLite lock without blocking the thread, for the daemon.
 * SQLite's own busy timeout sleeps inside the library call: in the daemon one write that found
 * a CLI transaction open froze every route until the CLI committed (measured: a 12 s CLI
 * transaction delayed every HTTP request by 12 s). With `busy_timeout = 0` a locked database
 * fails at once with SQLITE_BUSY; the step is then tried again after a timer, so the event loop
 * keeps answering meanwhile. Past `maxWaitMs` the caller gets STORE_BUSY (HTTP 503).
 * Callers serialise their own steps (the store's transaction queue): this only waits.
 */
import { AppError } from "../../domain/errors.ts";

/** SQLITE_BUSY and its extended codes (SQLITE_BUSY_RECOVERY, _SNAPSHOT, _TIMEOUT). */
export function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

/** Backoff between tries: 1, 2, 4, … ms, at most 50 ms, so a released lock is taken soon. */
const delay = (attempt: number): number => Math.min(50, 2 ** attempt);

/**
 * Runs `step` (e.g. `BEGIN IMMEDIATE`) until it does not fail with SQLITE_BUSY, awaiting a
 * timer between tries; any other error is thrown as it is.
 */
export async function retryWhileBusy<T>(step: () => T | Promise<T>, maxWaitMs: number): Promise<T> {
  const start = performance.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await step();
    } catch (e) {
      if (!isBusy(e)) throw e;
      if (performance.now() - start >= maxWaitMs) throw storeBusy(maxWaitMs);
    }
    await new Promise((resolve) => setTimeout(resolve, delay(attempt)));
  }
}

export const storeBusy = (waitedMs: number): AppError =>
  new AppError(
    "STORE_BUSY",
    `Store busy: another process holds the write lock (waited ${Math.round(waitedMs / 1000)} s)`,
    "Retry; a long-running luna command may be holding the store",
  );
