/**
 * Schema versions of the SQLite file. Each migration runs once, in order, inside one
 * transaction together with the bump of `user_version`, so a kill mid-migration leaves the
 * previous version intact. Add new steps at the end; never edit a released one.
 */
import type { Database } from "bun:sqlite";
import { AppError } from "../../domain/errors.ts";

const MIGRATIONS: readonly ((db: Database) => void)[] = [
  (db) => {
    db.run(`CREATE TABLE docs (
      kind TEXT NOT NULL,
      id   TEXT NOT NULL,
      name TEXT NOT NULL,
      data TEXT NOT NULL,
      PRIMARY KEY (kind, id),
      UNIQUE (kind, name)
    ) WITHOUT ROWID`);
  },
  // 2: an ordinary rowid table. WITHOUT ROWID keeps whole rows in the primary-key b-tree, which
  // SQLite advises only for rows under ~1/20 of a page; node documents with their status
  // history are several kB, and status updates rewrote twice the pages (measured 160 → 73 µs
  // per status transaction). The rows are copied as they are.
  (db) => {
    db.run(`CREATE TABLE docs2 (
      kind TEXT NOT NULL,
      id   TEXT NOT NULL,
      name TEXT NOT NULL,
      data TEXT NOT NULL,
      PRIMARY KEY (kind, id),
      UNIQUE (kind, name)
    )`);
    db.run("INSERT INTO docs2 (kind, id, name, data) SELECT kind, id, name, data FROM docs");
    db.run("DROP TABLE docs");
    db.run("ALTER TABLE docs2 RENAME TO docs");
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database): void {
  const current = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  if (current > SCHEMA_VERSION) {
    throw new AppError(
      "STORE_UNAVAILABLE",
      `The store has schema version ${current}, newer than this luna understands (${SCHEMA_VERSION})`,
      "Upgrade the luna binary",
    );
  }
  if (current === SCHEMA_VERSION) return;
  db.run("BEGIN IMMEDIATE");
  try {
    // Re-read under the lock: another process may have migrated while we waited.
    const now = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
    for (let v = now; v < SCHEMA_VERSION; v++) MIGRATIONS[v]?.(db);
    db.run(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.run("COMMIT");
  } catch (e) {
    db.run("ROLLBACK");
    throw e;
  }
}
