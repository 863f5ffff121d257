/**
 * Issue 13 item 7: another process holding the store's write lock (a CLI transaction) must not
 * freeze the daemon. While a real second process holds `BEGIN IMMEDIATE` on the daemon's store
 * file, the daemon (its HTTP app on port 0, its store opened as `luna daemon` opens it) answers
 * the boot menu and reads, its writes wait without blocking the event loop, and once the lock
 * is released they all commit; a wait past the bound is a 503. And under a sustained flood of
 * commits, with a reader polling from another process, the WAL file stays bounded.
 */
import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppError } from "../../src/domain/errors.ts";
import type { BmcSetup } from "../../src/domain/model.ts";
import type { Store } from "../../src/domain/store.ts";
import { daemonSqliteOptions } from "../../src/runtime/open-store.ts";
import { createApp } from "../../src/server/app.ts";
import { openSqliteStore, type SqliteOptions } from "../../src/store/sqlite/sqlite-store.ts";
import { MAC1, testCluster } from "../helpers/cluster.ts";
import { bmc } from "../helpers/store-contract.ts";

const silent = { info() {}, warn() {}, error() {} };

type ChunkReader = { read(): Promise<{ value?: Uint8Array; done?: boolean }> };

/** Reads a child's stdout until `line` has appeared, or to its end without one. */
async function untilLine(reader: ChunkReader, line?: string): Promise<string> {
  let seen = "";
  const decoder = new TextDecoder();
  while (line === undefined || !seen.split("\n").includes(line)) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += decoder.decode(value);
  }
  return seen;
}

/**
 * A second bun process with its own bun:sqlite connection to `path`. `script` runs with `db`
 * open, prints `ready`, waits for a line on stdin, then runs `after` and prints its result.
 */
async function otherProcess(path: string, script: string, after: string) {
  const code = `
    import { Database } from "bun:sqlite";
    const db = new Database(process.env.LUNA_TEST_DB, { strict: true });
    db.run("PRAGMA busy_timeout = 10000");
    ${script}
    process.stdout.write("ready\\n");
    await Bun.stdin.stream().getReader().read();
    const result = (() => { ${after} })();
    db.close();
    process.stdout.write(JSON.stringify(result ?? null) + "\\n");`;
  const child = Bun.spawn([process.execPath, "-e", code], {
    env: { ...process.env, LUNA_TEST_DB: path },
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = child.stdout.getReader();
  const ready = await untilLine(reader, "ready");
  if (!ready.includes("ready")) throw new Error(`child failed: ${await new Response(child.stderr).text()}`);
  return {
    child,
    async finish(): Promise<{ code: number; stderr: string; result: unknown }> {
      child.stdin.write("go\n");
      await child.stdin.end();
      const out = await untilLine(reader);
      const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
      const last = out.trim().split("\n").at(-1) ?? "null";
      return { code, stderr, result: JSON.parse(last) };
    },
    [Symbol.dispose]() {
      if (child.exitCode === null) child.kill();
    },
  };
}

/** Holds the write lock until finished, then commits. */
const lockHolder = (path: string) => otherProcess(path, `db.run("BEGIN IMMEDIATE");`, `db.run("COMMIT");`);

/** Yields to the event loop until `cond` holds, at most `turns` times. */
async function until(cond: () => boolean, turns = 100_000): Promise<void> {
  for (let i = 0; i < turns && !cond(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!cond()) throw new Error("condition never held");
}

/** A promise with its settlement visible. */
function track<T>(p: Promise<T>) {
  const t = { settled: false, promise: p };
  const settle = () => {
    t.settled = true;
  };
  p.then(settle, settle);
  return t;
}

function listen(store: Store) {
  const app = createApp({ store, log: silent, now: () => new Date(), secureInstall: false });
  const server = app.listen({ hostname: "127.0.0.1", port: 0 });
  const base = `http://127.0.0.1:${server.server?.port}`;
  return {
    get: (path: string) => fetch(`${base}${path}`),
    pending: () => server.server?.pendingRequests ?? 0,
    [Symbol.asyncDispose]: async () => void (await server.stop(true)),
  };
}

test("while another process holds the write lock, the daemon answers and reads; its writes commit after", async () => {
  await using fx = await testCluster({ nodes: 3, packed: true });
  const path = join(fx.dir, "luna.db");
  const errors: string[] = [];
  const daemon = openSqliteStore(
    path,
    daemonSqliteOptions((m) => errors.push(m)),
  );
  const before = (await daemon.byName("bmcsetup", "base"))?.userid ?? 0;
  try {
    await using http = listen(daemon);
    using holder = await lockHolder(path);

    // Two read-modify-write transactions of the daemon, each awaiting inside: queued on the one
    // connection, neither may see the other half-done.
    const bump = () =>
      daemon.write(async (tx) => {
        const b = await tx.byName("bmcsetup", "base");
        await new Promise((resolve) => setImmediate(resolve));
        if (b) await tx.update("bmcsetup", { ...b, userid: b.userid + 1 });
      });
    const writes = [
      track(bump()),
      track(bump()),
      track(daemon.write((tx) => tx.insert("bmcsetup", bmc("during-lock")))),
    ];
    const discovery = track(http.get(`/luna?step=discovery&hwdata=${MAC1}`));
    await until(() => http.pending() >= 1);

    // the boot menu and reads answer while the lock is still held and every write waits
    const menu = await http.get("/luna?step=boot");
    expect(menu.status).toBe(200);
    expect(await menu.text()).toStartWith("#!ipxe");
    expect((await daemon.byName("node", "node002"))?.name).toBe("node002");
    expect((await daemon.list("node")).map((n) => n.name)).toEqual(["node001", "node002", "node003"]);
    expect(writes.map((w) => w.settled)).toEqual([false, false, false]);
    expect(discovery.settled).toBe(false);
    expect(holder.child.exitCode).toBeNull();

    const released = await holder.finish();
    expect(released.stderr).toBe("");
    expect(released.code).toBe(0);
    await Promise.all(writes.map((w) => w.promise));
    const answer = await discovery.promise;
    expect(await answer.text()).toContain("luna.node=node001");
    expect(answer.status).toBe(200);
  } finally {
    await daemon.close();
  }
  // every acknowledged write is in the file, as a fresh connection reads it
  const check = openSqliteStore(path);
  try {
    expect((await check.byName("bmcsetup", "base"))?.userid).toBe(before + 2);
    expect(await check.byName("bmcsetup", "during-lock")).toBeDefined();
    expect((await check.byName("node", "node001"))?.status?.step).toBe("boot.request");
  } finally {
    await check.close();
  }
  expect(errors).toEqual([]);
});

test("a write that waits past the bound fails with STORE_BUSY, and its route answers 503", async () => {
  await using fx = await testCluster({ nodes: 1, packed: true });
  const path = join(fx.dir, "luna.db");
  const options: SqliteOptions = { ...daemonSqliteOptions(() => {}), asyncLockWaitMs: 50 };
  const daemon = openSqliteStore(path, options);
  try {
    await using http = listen(daemon);
    const status = (await daemon.byName("node", "node001"))?.status;
    using holder = await lockHolder(path);
    const err = await daemon.write((tx) => tx.insert("bmcsetup", bmc("late"))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("STORE_BUSY");
    const answer = await http.get(`/luna?step=discovery&hwdata=${MAC1}`);
    expect(await answer.text()).toMatch(/^Store busy: another process holds the write lock/);
    expect(answer.status).toBe(503);
    expect(holder.child.exitCode).toBeNull();
    expect((await holder.finish()).code).toBe(0);
    // once the lock is free the same write goes through; the refused one left nothing behind
    expect(await daemon.byName("bmcsetup", "late")).toBeUndefined();
    expect((await daemon.byName("node", "node001"))?.status).toEqual(status);
    await daemon.write((tx) => tx.insert("bmcsetup", bmc("late")));
    expect(await daemon.byName("bmcsetup", "late")).toBeDefined();
  } finally {
    await daemon.close();
  }
});

test("under a flood of commits, with another process polling reads, the WAL stays bounded", async () => {
  const dir = mkdtempSync(join(tmpdir(), "luna-store-lock-"));
  const path = join(dir, "luna.db");
  const errors: string[] = [];
  const daemon = openSqliteStore(
    path,
    daemonSqliteOptions((m) => errors.push(m)),
  );
  const DOCS = 200;
  const COMMITS = 5000; // about 16 kB of WAL each: 80 MB if the WAL never started over
  const doc = (i: number, version: number) => ({
    ...bmc(`flood${i}`),
    id: `id-${i}`,
    userid: version,
    comment: "x".repeat(3000),
  });
  const acknowledged = new Map(Array.from({ length: DOCS }, (_, i) => [`flood${i}`, 0]));
  const walBytes = () => statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0;
  try {
    await daemon.write(async (tx) => {
      for (let i = 0; i < DOCS; i++) await tx.insert("bmcsetup", doc(i, 0));
    });
    using reader = await otherProcess(
      path,
      `let reads = 0, stop = false;
       const q = db.query("SELECT count(*) AS n FROM docs");
       const poll = () => { if (stop) return; q.get(); reads++; setImmediate(poll); };
       poll();`,
      `stop = true; return reads;`,
    );
    let maxWal = 0;
    for (let c = 1; c <= COMMITS; c++) {
      // one group commit per turn of the event loop, as the status batcher makes them
      await new Promise((resolve) => setImmediate(resolve));
      const changed = [0, 1, 2, 3, 4].map((k) => (c * 5 + k) % DOCS);
      await daemon.write(async (tx) => {
        for (const i of changed) await tx.update("bmcsetup", doc(i, c));
      });
      for (const i of changed) acknowledged.set(`flood${i}`, c);
      await daemon.get("bmcsetup", `id-${c % DOCS}`);
      maxWal = Math.max(maxWal, walBytes());
    }
    const polled = await reader.finish();
    expect(polled.stderr).toBe("");
    expect(polled.code).toBe(0);
    expect(polled.result).toBeGreaterThan(0);
    // the daemon truncates past 16 MiB; what it let through while a checkpoint ran stays small
    expect(maxWal).toBeLessThan(48 * 1024 * 1024);
  } finally {
    await daemon.close();
  }
  expect(errors).toEqual([]);
  // no acknowledged commit lost: each document holds the last commit that wrote it
  const check = new Database(path, { readonly: true });
  const rows = check.query<{ data: string }, []>("SELECT data FROM docs WHERE kind = 'bmcsetup'").all();
  check.close();
  rmSync(dir, { recursive: true, force: true });
  const versions = new Map(rows.map((r) => JSON.parse(r.data) as BmcSetup).map((b) => [b.name, b.userid]));
  expect(versions).toEqual(acknowledged);
});
