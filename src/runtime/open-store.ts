/**
 * Opens the configured store. The MongoDB driver is imported only when a mongodb:// store is
 * chosen, so commands on the SQLite default never pay for loading it.
 */
import type { StoreSpec } from "../config/config.ts";
import type { Store } from "../domain/store.ts";
import { openSqliteStore, type SqliteOptions } from "../store/sqlite/sqlite-store.ts";

/** `sqlite` options apply to the SQLite store only (the daemon checkpoints in the background). */
export async function openStore(spec: StoreSpec, sqlite: SqliteOptions = {}): Promise<Store> {
  if (spec.kind === "sqlite") return openSqliteStore(spec.path, sqlite);
  const { openMongoStore } = await import("../store/mongo/mongo-store.ts");
  return openMongoStore(spec.url);
}

/**
 * How the daemon opens a SQLite store: WAL checkpoints in a worker (which also keeps the WAL
 * bounded) and another process's lock waited for on timers, so every route keeps
 * answering; a write that waited 30 s fails with STORE_BUSY (HTTP 503). The CLI keeps the
 * defaults: it has nothing else to do while it waits.
 */
export const daemonSqliteOptions = (onError: (message: string) => void): SqliteOptions => ({
  backgroundCheckpoint: { intervalMs: 1000, onError },
  asyncLockWaitMs: 30_000,
});
