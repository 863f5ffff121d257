/**
 * The embedded default store: one SQLite file (bun:sqlite) in WAL mode, mode 0600.
 *
 * Write transactions use BEGIN IMMEDIATE, so a writer takes the database lock before it reads
 * anything: two `luna node add` processes can never both see the same free address. Waiting
 * for the lock is SQLite's own busy timeout, not a sleep loop of ours. Inside one process,
 * transactions share a single connection, so they are queued by an async mutex.
 * synchronous=NORMAL in WAL mode keeps every committed transaction across a killed process;
 * only an OS crash or power loss can drop the last commits (https://sqlite.org/wal.html).
 */
import { Database } from "bun:sqlite";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { AppError } from "../../domain/errors.ts";
import type { Kind, Kinds } from "../../domain/model.ts";
import type { Store, StoreWriter } from "../../domain/store.ts";
import { migrate } from "./migrations.ts";

interface Row {
  data: string;
}

export function openSqliteStore(path: string, options: { busyTimeoutMs?: number } = {}): Store {
  const db = openDatabase(path);
  db.run(`PRAGMA busy_timeout = ${options.busyTimeoutMs ?? 60_000}`);
  db.run("PRAGMA journal_mode = WAL");
  db.run("PRAGMA synchronous = NORMAL");
  db.run("PRAGMA foreign_keys = ON");
  migrate(db);

  const qGet = db.query<Row, [string, string]>("SELECT data FROM docs WHERE kind = ? AND id = ?");
  const qByName = db.query<Row, [string, string]>("SELECT data FROM docs WHERE kind = ? AND name = ?");
  const qList = db.query<Row, [string]>("SELECT data FROM docs WHERE kind = ? ORDER BY name");
  const qInsert = db.query("INSERT INTO docs (kind, id, name, data) VALUES (?, ?, ?, ?)");
  const qUpdate = db.query("UPDATE docs SET name = ?, data = ? WHERE kind = ? AND id = ?");
  const qRemove = db.query("DELETE FROM docs WHERE kind = ? AND id = ?");
  const qDump = db.query<{ kind: string; id: string; name: string; data: string }, []>(
    "SELECT kind, id, name, data FROM docs ORDER BY kind, name, id",
  );

  const parse = <K extends Kind>(row: Row | null): Kinds[K] | undefined =>
    row ? (JSON.parse(row.data) as Kinds[K]) : undefined;

  const reader = {
    async get<K extends Kind>(kind: K, id: string) {
      return parse<K>(qGet.get(kind, id));
    },
    async byName<K extends Kind>(kind: K, name: string) {
      return parse<K>(qByName.get(kind, name));
    },
    async list<K extends Kind>(kind: K) {
      return qList.all(kind).map((r) => JSON.parse(r.data) as Kinds[K]);
    },
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
    ...reader,
    write<T>(fn: (tx: StoreWriter) => Promise<T>): Promise<T> {
      const run = async (): Promise<T> => {
        db.run("BEGIN IMMEDIATE");
        try {
          const result = await fn(writer);
          db.run("COMMIT");
          return result;
        } catch (e) {
          db.run("ROLLBACK");
          throw e;
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
      db.close();
    },
  };
}

function openDatabase(path: string): Database {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Create the file ourselves so it is born 0600; SQLite gives its -wal/-shm the same mode.
    closeSync(openSync(path, "a", 0o600));
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
