/**
 * The embedded default store: one SQLite file (bun:sqlite) in WAL mode, mode 0600.
 *
 * Write transactions use BEGIN IMMEDIATE, so a writer takes the database lock before it reads
 * anything: two `luna node add` processes can never both see the same free address. The CLI
 * waits for the lock with SQLite's own busy timeout, which blocks the thread; the daemon
 * (`asyncLockWaitMs`) must keep serving meanwhile, so it waits on timers (busy-wait.ts). Inside one process,
 * transactions share a single connection, so they are queued by an async mutex; reads outside a
 * transaction only ever see committed data: on that connection when no transaction is open,
 * on a second connection while one is.
 * synchronous=NORMAL in WAL mode keeps every committed transaction across a killed process;
 * only an OS crash or power loss can drop the last commits (https://sqlite.org/wal.html).
 */
import { Database } from "bun:sqlite";
import { chmodSync, closeSync, fchownSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { readDocument } from "../../domain/documents.ts";
import { AppError } from "../../domain/errors.ts";
import type { Kind, Kinds } from "../../domain/model.ts";
import type { Store, StoreWriter } from "../../domain/store.ts";
import { retryWhileBusy } from "./busy-wait.ts";
import { type Checkpointer, type CheckpointOptions, startCheckpointer } from "./checkpointer.ts";
import { migrate } from "./migrations.ts";

/**
 * Page cache per connection, in KiB (negative: SQLite's unit for a size). The default 2 MB holds
 * about 250 node documents with their status history; a cluster's working set is all of them,
 * and every miss is a WAL lookup and a read.
 */
const CACHE_KIB = -65536;

interface Row {
  data: string;
}

function prepare(path: string, busyTimeoutMs: number): Database {
  const db = openDatabase(path);
  try {
    db.run(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
    db.run(`PRAGMA cache_size = ${CACHE_KIB}`);
    const mode = db.query<{ journal_mode: string }, []>("PRAGMA journal_mode = WAL").get()?.journal_mode;
    if (mode !== "wal") throw new Error(`the file system does not support WAL (journal mode ${mode})`);
    db.run("PRAGMA synchronous = NORMAL");
    migrate(db);
    return db;
  } catch (e) {
    db.close();
    if (e instanceof AppError) throw e;
    throw new AppError(
      "STORE_UNAVAILABLE",
      `Cannot use '${path}' as the luna store: ${(e as Error).message}`,
      "Choose another store with --store sqlite:PATH or LUNA_STORE=sqlite:PATH",
    );
  }
}

const readQueries = (db: Database) => ({
  get: db.query<Row, [string, string]>("SELECT data FROM docs WHERE kind = ? AND id = ?"),
  byName: db.query<Row, [string, string]>("SELECT data FROM docs WHERE kind = ? AND name = ?"),
  list: db.query<Row, [string]>("SELECT data FROM docs WHERE kind = ? ORDER BY name"),
});

export interface SqliteOptions {
  busyTimeoutMs?: number;
  /**
   * Wait for another process's lock on timers, at most this long, then fail with STORE_BUSY,
   * instead of in SQLite's busy timeout, which blocks the thread (the daemon; see busy-wait.ts)
   */
  asyncLockWaitMs?: number;
  /** WAL checkpoints in a worker thread instead of inside commits (the daemon; see checkpointer.ts) */
  backgroundCheckpoint?: CheckpointOptions;
}

export function openSqliteStore(
  path: string,
  options: SqliteOptions = {},
): Store & { checkpointer?: Checkpointer } {
  // Opening and migrating may wait in the busy timeout: nothing is served yet.
  const db = prepare(path, options.busyTimeoutMs ?? 60_000);
  const lockWait = options.asyncLockWaitMs;
  const busyTimeout = lockWait === undefined ? (options.busyTimeoutMs ?? 60_000) : 0;
  db.run(`PRAGMA busy_timeout = ${busyTimeout}`);
  const bg = options.backgroundCheckpoint;
  const checkpointer = bg ? startCheckpointer(db, path, bg) : undefined;
  const readDb = new Database(path, { strict: true });
  readDb.run(`PRAGMA busy_timeout = ${busyTimeout}`);
  readDb.run(`PRAGMA cache_size = ${CACHE_KIB}`);
  const w = readQueries(db);
  const r = readQueries(readDb);
  const qInsert = db.query("INSERT INTO docs (kind, id, name, data) VALUES (?, ?, ?, ?)");
  const qUpdate = db.query("UPDATE docs SET name = ?, data = ? WHERE kind = ? AND id = ?");
  const qRemove = db.query("DELETE FROM docs WHERE kind = ? AND id = ?");
  const qDump = db.query<{ kind: string; id: string; name: string; data: string }, []>(
    "SELECT kind, id, name, data FROM docs ORDER BY kind, name, id",
  );

  const parse = <K extends Kind>(kind: K, row: Row | null): Kinds[K] | undefined =>
    row ? readDocument(kind, JSON.parse(row.data)) : undefined;

  /** Reads through `pick()`'s connection. */
  const readerOn = (pick: () => ReturnType<typeof readQueries>) => ({
    async get<K extends Kind>(kind: K, id: string) {
      return parse(kind, pick().get.get(kind, id));
    },
    async byName<K extends Kind>(kind: K, name: string) {
      return parse(kind, pick().byName.get(kind, name));
    },
    async list<K extends Kind>(kind: K) {
      return pick()
        .list.all(kind)
        .map((r) => readDocument(kind, JSON.parse(r.data)));
    },
  });
  const reader = readerOn(() => w);
  // Reads outside a transaction must see committed data only. While no transaction is open on
  // the writing connection, reading there is exactly that, and its page cache stays warm (its
  // own commits keep it valid); the second connection's cache is dropped whenever the WAL has
  // changed, which in a boot storm is at every read. Only while a transaction is open (its
  // callback awaiting) do reads go to the second connection.
  const direct = readerOn(() => (db.inTransaction ? r : w));
  // A WAL reader does not wait for writers; SQLITE_BUSY is rare (another process recovering
  // the WAL after a crash) but must not block the daemon either.
  const outside: typeof direct =
    lockWait === undefined
      ? direct
      : {
          get: (kind, id) => retryWhileBusy(() => direct.get(kind, id), lockWait),
          byName: (kind, name) => retryWhileBusy(() => direct.byName(kind, name), lockWait),
          list: (kind) => retryWhileBusy(() => direct.list(kind), lockWait),
        };

  const writer: StoreWriter = {
    ...reader,
    async insert(kind, doc) {
      try {
        qInsert.run(kind, doc.id, doc.name, JSON.stringify(doc));
      } catch (e) {
        if (String(e).includes("UNIQUE")) {
          throw new AppError("ALREADY_EXISTS", `A ${kind} named '${doc.name}' already exists`);
        }
        throw e;
      }
    },
    async update(kind, doc) {
      let changes: number;
      try {
        changes = qUpdate.run(doc.name, JSON.stringify(doc), kind, doc.id).changes;
      } catch (e) {
        if (String(e).includes("UNIQUE")) {
          throw new AppError("ALREADY_EXISTS", `A ${kind} named '${doc.name}' already exists`);
        }
        throw e;
      }
      if (changes !== 1) throw new AppError("NOT_FOUND", `No ${kind} with id '${doc.id}'`);
    },
    async remove(kind, id) {
      return qRemove.run(kind, id).changes > 0;
    },
  };

  let queue: Promise<unknown> = Promise.resolve();

  return {
    backend: "sqlite",
    ...(checkpointer ? { checkpointer } : {}),
    ...outside,
    write<T>(fn: (tx: StoreWriter) => Promise<T>): Promise<T> {
      const run = async (): Promise<T> => {
        // Inside the queue: the daemon's own transactions never interleave, even while one
        // awaits the lock or a WAL truncation.
        const gate = checkpointer?.gate();
        if (gate) await gate;
        if (lockWait === undefined) db.run("BEGIN IMMEDIATE");
        else await retryWhileBusy(() => db.run("BEGIN IMMEDIATE"), lockWait);
        try {
          const result = await fn(writer);
          db.run("COMMIT");
          checkpointer?.committed();
          return result;
        } catch (e) {
          // After SQLITE_FULL or an I/O error SQLite may have rolled back already; the
          // original error is the one worth reporting.
          try {
            db.run("ROLLBACK");
          } catch {}
          throw diskFull(e) ?? e;
        }
      };
      const next = queue.then(run, run);
      queue = next.catch(() => undefined);
      return next;
    },
    async dump() {
      return qDump
        .all()
        .map((r) => `${r.kind}\t${r.id}\t${r.name}\t${r.data}`)
        .join("\n");
    },
    async close() {
      await queue;
      await checkpointer?.stop();
      readDb.close();
      db.close();
    },
  };
}

/**
 * Creates the store file if missing, owned by whoever owns its folder when we are root: the
 * daemon runs as `luna` (luna.service) and the admin's CLI as root, so a store that root's
 * `luna cluster init` creates in luna's /var/lib/luna must still be luna's. SQLite itself gives
 * the -wal and -shm files it creates as root the database file's owner (os_unix.c,
 * robustFchown), so this file is the only one to hand over.
 */
function createOwnedLikeFolder(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return;
    throw e;
  }
  try {
    const folder = statSync(dirname(path));
    if (process.getuid?.() === 0 && folder.uid !== 0) fchownSync(fd, folder.uid, folder.gid);
  } finally {
    closeSync(fd);
  }
}

/** SQLite's "database or disk is full" as the error an operator (and a node: 503) should see. */
function diskFull(e: unknown): AppError | undefined {
  const code = (e as { code?: unknown }).code;
  if (code !== "SQLITE_FULL") return undefined;
  return new AppError(
    "STORE_UNAVAILABLE",
    "The store's disk is full: the change was not saved",
    "Free space on the store's filesystem; writes work again as soon as there is room",
  );
}

function openDatabase(path: string): Database {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Create the file ourselves so it is born 0600; SQLite gives its -wal/-shm the same mode.
    createOwnedLikeFolder(path);
    chmodSync(path, 0o600);
    return new Database(path, { create: true, strict: true });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "EACCES" || err.code === "EPERM" || err.code === "EROFS") {
      throw new AppError(
        "STORE_PERMISSION",
        `Cannot open the store at '${path}': permission denied`,
        "Run as root, or choose a writable store with --store sqlite:PATH or LUNA_STORE=sqlite:PATH",
      );
    }
    throw new AppError(
      "STORE_UNAVAILABLE",
      `Cannot open the store at '${path}': ${err.message}`,
      "Choose another store with --store sqlite:PATH or LUNA_STORE=sqlite:PATH",
    );
  }
}
