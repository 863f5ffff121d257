/**
 * A cache of the documents the daemon reads on every boot request and an admin changes rarely
 * (cluster, groups, osimages, networks, BMC setups, switches, MAC bindings), kept as their
 * stored JSON text.
 * Each SQLite read pays for its locks (fcntl calls) even on a warm page cache; a discovery or
 * install request reads half a dozen of these documents.
 *
 * It can never serve a change late: once per turn of the event loop `PRAGMA data_version` on
 * the writing connection tells whether another process (the CLI) committed anything, and then
 * the whole cache is dropped; this process's own writes to a cached kind drop that kind when
 * written and again when committed. While a transaction is open, hits are served (they hold
 * committed data, and whatever the transaction wrote was dropped) but nothing is added.
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
  "mac",
]);

export function createReadCache(db: Database) {
  const qVersion = db.query<{ data_version: number }, []>("PRAGMA data_version");
  const byKind = new Map<string, Map<string, Row | Row[]>>();
  let version = -1;
  let checkedThisTurn = false;
  const dirty = new Set<string>();

  const fresh = () => {
    if (checkedThisTurn) return;
    const v = qVersion.get()?.data_version ?? -1;
    if (v !== version) byKind.clear();
    version = v;
    checkedThisTurn = true;
    setImmediate(() => {
      checkedThisTurn = false;
    });
  };

  function through<T extends Row | Row[] | null>(kind: string, key: string, load: () => T): T {
    if (!CACHED_KINDS.has(kind)) return load();
    fresh();
    const hit = byKind.get(kind)?.get(key);
    if (hit) return hit as T;
    const loaded = load();
    if (loaded && !db.inTransaction) {
      const rows = byKind.get(kind) ?? new Map<string, Row | Row[]>();
      byKind.set(kind, rows);
      rows.set(key, loaded);
    }
    return loaded;
  }

  return {
    row: (kind: string, key: string, load: () => Row | null) => through(kind, key, load),
    list: (kind: string, load: () => Row[]) => through(kind, "\0list", load),
    /** a write of `kind` inside a transaction: drop now, and again at its commit */
    wrote(kind: string): void {
      if (!CACHED_KINDS.has(kind)) return;
      byKind.delete(kind);
      dirty.add(kind);
    },
    /** the transaction ended (committed or rolled back) */
    ended(): void {
      for (const kind of dirty) byKind.delete(kind);
      dirty.clear();
    },
  };
}

export type ReadCache = ReturnType<typeof createReadCache>;
