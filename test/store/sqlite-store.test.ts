/**
 * The SQLite store: the shared contract on temp files, plus what only a file can show: its
 * mode, WAL journalling, reopening, cross-process serialisation and a clear error for a path
 * that cannot hold a database.
 */
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppError } from "../../src/domain/errors.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { bmc, storeContract } from "../helpers/store-contract.ts";

const root = mkdtempSync(join(tmpdir(), "luna-sqlite-store-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let files = 0;
storeContract("sqlite", async () => openSqliteStore(join(root, `contract-${++files}.db`)));
// the daemon's configuration: background checkpoints
storeContract("sqlite as the daemon opens it", async () =>
  openSqliteStore(join(root, `contract-${++files}.db`), {
    backgroundCheckpoint: { intervalMs: 50, onError: (m) => console.error(m) },
  }),
);

function tempDir(): { path: string } & Disposable {
  const path = mkdtempSync(join(root, "case-"));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

const mode = (path: string): number => statSync(path).mode & 0o777;

/** Runs `n` bun processes at once, each opening the store at `db` and bumping the counter. */
async function bumpFromProcesses(db: string, n: number): Promise<void> {
  const module = join(import.meta.dir, "../../src/store/sqlite/sqlite-store.ts");
  // The callback holds the transaction across a timer so that, without BEGIN IMMEDIATE and the
  // busy timeout, the processes' read-modify-write cycles would overlap and lose updates.
  const code = `
    const { openSqliteStore } = await import(${JSON.stringify(module)});
    const store = openSqliteStore(process.env.LUNA_TEST_DB);
    await store.write(async (tx) => {
      const c = await tx.byName("bmcsetup", "counter");
      await new Promise((r) => setTimeout(r, 5));
      if (c) await tx.update("bmcsetup", { ...c, userid: c.userid + 1 });
      else await tx.insert("bmcsetup", { id: "counter", name: "counter", user: "", password: "",
        userid: 1, netchannel: 1, mgmtchannel: 1, comment: "" });
    });
    await store.close();
  `;
  const children = Array.from({ length: n }, () =>
    Bun.spawn([process.execPath, "-e", code], {
      env: { ...process.env, LUNA_TEST_DB: db },
      stdout: "pipe",
      stderr: "pipe",
    }),
  );
  for (const child of children) {
    const [exit, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
    expect(stderr).toBe("");
    expect(exit).toBe(0);
  }
}

describe("sqlite store file", () => {
  test("openSqliteStore creates the file with mode 0600 and its directory with mode 0700", async () => {
    using dir = tempDir();
    const path = join(dir.path, "state", "luna.db");
    const store = openSqliteStore(path);
    try {
      await store.write((tx) => tx.insert("bmcsetup", bmc("base")));
      expect(mode(path)).toBe(0o600);
      expect(mode(join(dir.path, "state"))).toBe(0o700);
      expect(existsSync(`${path}-wal`)).toBe(true);
      expect(mode(`${path}-wal`)).toBe(0o600);
    } finally {
      await store.close();
    }
  });

  test("openSqliteStore puts the database in WAL journal mode", async () => {
    using dir = tempDir();
    const path = join(dir.path, "luna.db");
    await openSqliteStore(path).close();
    const other = new Database(path, { readonly: true });
    try {
      expect(other.query<{ journal_mode: string }, []>("PRAGMA journal_mode").get()?.journal_mode).toBe(
        "wal",
      );
    } finally {
      other.close();
    }
  });

  test("a reopened store keeps its data", async () => {
    using dir = tempDir();
    const path = join(dir.path, "luna.db");
    const b = bmc("base");
    const first = openSqliteStore(path);
    await first.write((tx) => tx.insert("bmcsetup", b));
    const dump = await first.dump();
    await first.close();
    const second = openSqliteStore(path);
    try {
      expect(await second.get("bmcsetup", b.id)).toEqual(b);
      expect(await second.dump()).toBe(dump);
    } finally {
      await second.close();
    }
  });

  test("10 processes writing at once are serialised and lose no update", async () => {
    using dir = tempDir();
    const path = join(dir.path, "luna.db");
    const store = openSqliteStore(path);
    await store.write((tx) => tx.insert("bmcsetup", bmc("counter", { userid: 0 })));
    await store.close();
    await bumpFromProcesses(path, 10);
    const after = openSqliteStore(path);
    try {
      expect((await after.byName("bmcsetup", "counter"))?.userid).toBe(10);
    } finally {
      await after.close();
    }
  });

  test("10 processes creating a new store file at once all migrate and count", async () => {
    using dir = tempDir();
    const path = join(dir.path, "new", "luna.db");
    await bumpFromProcesses(path, 10);
    const after = openSqliteStore(path);
    try {
      expect((await after.byName("bmcsetup", "counter"))?.userid).toBe(10);
    } finally {
      await after.close();
    }
  });

  test("openSqliteStore on a path below a regular file fails clearly and mentions --store", () => {
    using dir = tempDir();
    const file = join(dir.path, "plain-file");
    writeFileSync(file, "not a directory");
    const path = join(file, "luna.db");
    let err: unknown;
    try {
      openSqliteStore(path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    const app = err as AppError;
    expect(["STORE_UNAVAILABLE", "STORE_PERMISSION"]).toContain(app.code);
    expect(app.message).toContain(path);
    expect(app.toLine()).toContain("--store");
  });

  test("openSqliteStore on a file that is not a database fails with STORE_UNAVAILABLE and a --store hint", () => {
    using dir = tempDir();
    const path = join(dir.path, "luna.db");
    writeFileSync(path, "this is not an SQLite database, just some text that is long enough".repeat(20));
    let err: unknown;
    try {
      openSqliteStore(path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("STORE_UNAVAILABLE");
    expect((err as AppError).toLine()).toContain("--store");
  });

  test("an existing store file with loose permissions is tightened to 0600", async () => {
    using dir = tempDir();
    const path = join(dir.path, "luna.db");
    await openSqliteStore(path).close();
    chmodSync(path, 0o644);
    await openSqliteStore(path).close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  test("a version-1 store (WITHOUT ROWID table) is migrated to version 2 with every document kept", async () => {
    using dir = tempDir();
    const path = join(dir.path, "luna.db");
    const old = new Database(path, { create: true });
    old.run(`CREATE TABLE docs (kind TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, data TEXT NOT NULL,
      PRIMARY KEY (kind, id), UNIQUE (kind, name)) WITHOUT ROWID`);
    const doc = { ...bmc("b1"), id: "id-1" };
    old.query("INSERT INTO docs VALUES (?, ?, ?, ?)").run("bmcsetup", "id-1", "b1", JSON.stringify(doc));
    old.run("PRAGMA user_version = 1");
    old.close();
    const store = openSqliteStore(path);
    try {
      expect(await store.byName("bmcsetup", "b1")).toEqual(doc);
      await expect(store.write((tx) => tx.insert("bmcsetup", { ...doc, id: "id-2" }))).rejects.toThrow(
        /already exists/,
      );
    } finally {
      await store.close();
    }
    const db = new Database(path, { readonly: true });
    expect(db.query("PRAGMA user_version").get()).toEqual({ user_version: 2 });
    const sql = (db.query("SELECT sql FROM sqlite_master WHERE name = 'docs'").get() as { sql: string }).sql;
    expect(sql).not.toContain("WITHOUT ROWID");
    db.close();
  });

  test("with background checkpoints, commits leave the WAL to the worker, which copies it into the file", async () => {
    using dir = tempDir();
    const path = join(dir.path, "luna.db");
    const errors: string[] = [];
    // no checkpoint until asked: none by the clock, by the commit count or for the WAL's size
    const store = openSqliteStore(path, {
      backgroundCheckpoint: {
        intervalMs: 3_600_000,
        everyCommits: Number.POSITIVE_INFINITY,
        truncateAboveBytes: Number.POSITIVE_INFINITY,
        onError: (m) => errors.push(m),
      },
    });
    try {
      // 2,000 one-document transactions: far past the 1,000-page automatic checkpoint
      for (let i = 0; i < 2000; i++)
        await store.write((tx) =>
          tx.insert("bmcsetup", { ...bmc(`b${i}`), id: `id-${i}`, password: "x".repeat(3000) }),
        );
      const before = await store.checkpointer?.now();
      expect(before?.log).toBeGreaterThan(2000);
      expect(before?.checkpointed).toBe(before?.log);
      // the database file alone (the WAL's content copied into it) holds every document
      const copy = join(dir.path, "copy.db");
      writeFileSync(copy, await Bun.file(path).bytes());
      const db = new Database(copy, { readonly: true });
      expect(db.query("SELECT count(*) AS n FROM docs").get()).toEqual({ n: 2000 });
      db.close();
    } finally {
      await store.close();
    }
    expect(errors).toEqual([]);
  });

  test("reads see this process's and another connection's commits at once, nothing uncommitted", async () => {
    using dir = tempDir();
    const path = join(dir.path, "luna.db");
    const store = openSqliteStore(path);
    const other = openSqliteStore(path);
    try {
      await store.write((tx) => tx.insert("bmcsetup", { ...bmc("b1"), id: "id-1" }));
      expect((await store.byName("bmcsetup", "b1"))?.userid).toBe(bmc("b1").userid);
      // a write in this process: visible to the next read, by name, by id and in lists
      await store.write(async (tx) => {
        const b = await tx.byName("bmcsetup", "b1");
        if (b) await tx.update("bmcsetup", { ...b, userid: 7 });
      });
      expect((await store.byName("bmcsetup", "b1"))?.userid).toBe(7);
      expect((await store.get("bmcsetup", "id-1"))?.userid).toBe(7);
      expect((await store.list("bmcsetup")).map((b) => b.userid)).toEqual([7]);
      // a write by another connection (as by the CLI)
      await other.write(async (tx) => {
        const b = await tx.byName("bmcsetup", "b1");
        if (b) await tx.update("bmcsetup", { ...b, userid: 9 });
        await tx.insert("bmcsetup", { ...bmc("b2"), id: "id-2" });
      });
      expect((await store.byName("bmcsetup", "b1"))?.userid).toBe(9);
      expect((await store.get("bmcsetup", "id-1"))?.userid).toBe(9);
      expect((await store.list("bmcsetup")).map((b) => b.name)).toEqual(["b1", "b2"]);
      // while a transaction has written, reads outside it see the committed document
      let during: number | undefined;
      await store.write(async (tx) => {
        const b = await tx.byName("bmcsetup", "b1");
        if (b) await tx.update("bmcsetup", { ...b, userid: 11 });
        during = (await store.byName("bmcsetup", "b1"))?.userid;
      });
      expect(during).toBe(9);
      expect((await store.byName("bmcsetup", "b1"))?.userid).toBe(11);
      // a rolled-back write leaves the committed document
      await expect(
        store.write(async (tx) => {
          const b = await tx.byName("bmcsetup", "b1");
          if (b) await tx.update("bmcsetup", { ...b, userid: 99 });
          throw new Error("abandon");
        }),
      ).rejects.toThrow("abandon");
      expect((await store.byName("bmcsetup", "b1"))?.userid).toBe(11);
    } finally {
      await other.close();
      await store.close();
    }
  });
});
