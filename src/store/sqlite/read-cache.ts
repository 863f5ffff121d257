/**
 * A cache of the documents the daemon reads on every boot request and an admin changes rarely
 * (cluster, groups, osimages, networks, BMC setups, switches), kept as their stored JSON text.
 * Each SQLite read pays for its locks (fcntl calls) even on a warm page cache; a discovery or
 * install request reads half a dozen of these documents.
 *
 * It can never serve a change late: once per turn of the event loop `PRAGMA data_version` on
 * the writing connection tells whether another process (the CLI) committed anything, and then
 * the whole cache is dropped; this process's own writes to a cached kind drop it when written
 * and again when committed. Nothing is cached from reads made while a transaction is open.
 */
import type { Database } from "bun:sqlite";

interface Row {
  data: string;
}

export const CACHED_KINDS: ReadonlySet<string> = new Set([
  "cluster",
  "group",
  "osimage",
  "network",
  "bmcsetup",
  "switch",
]);

export function createReadCache(db: Database) {
  const qVersion = db.query<{ data_version: number }, []>("PRAGMA data_version");
  const rows = new Map<string, Row | Row[]>();
  let version = -1;
  let checkedThisTurn = false;
  let dirty = false;

  const fresh = () => {
    if (checkedThisTurn) return;
    const v = qVersion.get()?.data_version ?? -1;
    if (v !== version) rows.clear();
    version = v;
    checkedThisTurn = true;
    setImmediate(() => {
      checkedThisTurn = false;
    });
  };

  function through<T extends Row | Row[] | null>(kind: string, key: string, load: () => T): T {
    if (!CACHED_KINDS.has(kind) || db.inTransaction) return load();
    fresh();
    const k = `${kind}\0${key}`;
    const hit = rows.get(k);
    if (hit) return hit as T;
    const loaded = load();
    if (loaded) rows.set(k, loaded);
    return loaded;
  }

  return {
    row: (kind: string, key: string, load: () => Row | null) => through(kind, key, load),
    list: (kind: string, load: () => Row[]) => through(kind, "\0list", load),
    /** a write of `kind` inside a transaction: drop now, and again at its commit */
    wrote(kind: string): void {
      if (!CACHED_KINDS.has(kind)) return;
      rows.clear();
      dirty = true;
    },
    /** the transaction ended (committed or rolled back) */
    ended(): void {
      if (dirty) rows.clear();
      dirty = false;
    },
  };
}

export type ReadCache = ReturnType<typeof createReadCache>;
