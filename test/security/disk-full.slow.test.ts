/**
 * The store's disk fills up (issue 13, faults): a write fails with a clear STORE_UNAVAILABLE
 * ("the store's disk is full"), a node's request gets 503 instead of "internal error", nothing
 * is corrupted, and writes work again once there is room. A real tmpfs of 1 MiB holds the store.
 */

import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initCluster } from "../../src/domain/cluster.ts";
import { AppError } from "../../src/domain/errors.ts";
import { createApp } from "../../src/server/app.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";

test("a full disk is a clear 503, corrupts nothing, and heals when space returns", async () => {
  expect(process.getuid?.()).toBe(0); // mounts a tmpfs; CI runs as root
  const dir = mkdtempSync(join(tmpdir(), "luna-full-"));
  await Bun.$`mount -t tmpfs -o size=1m tmpfs ${dir}`;
  try {
    const errors: string[] = [];
    // As the daemon opens it: WAL checkpoints on a worker thread (the timer never fires here).
    const store = openSqliteStore(join(dir, "luna.db"), {
      backgroundCheckpoint: { intervalMs: 3_600_000, onError: (m) => errors.push(m) },
    });
    const checkpointer = store.checkpointer as NonNullable<typeof store.checkpointer>;
    await store.write((tx) => initCluster(tx, {}, false));
    // Fill the rest of the filesystem.
    mkdirSync(join(dir, "filler"));
    for (let i = 0; ; i++) {
      try {
        writeFileSync(join(dir, "filler", String(i)), new Uint8Array(64 * 1024));
      } catch {
        break;
      }
    }
    const big = (n: number) => ({ comment: "x".repeat(1000), n });
    let failure: unknown;
    for (let i = 0; i < 500 && !failure; i++) {
      await store
        .write(async (tx) => {
          const c = await tx.byName("cluster", "general");
          if (c)
            await tx.update("cluster", {
              ...c,
              comment: JSON.stringify(big(i)).repeat(200).slice(0, 200_000),
            });
        })
        .catch((e) => {
          failure = e;
        });
    }
    expect(failure).toBeInstanceOf(AppError);
    expect((failure as AppError).code).toBe("STORE_UNAVAILABLE");
    expect((failure as AppError).message).toContain("disk is full");

    const app = createApp({
      store,
      log: { info() {}, warn() {}, error() {} },
      now: () => new Date(),
      secureInstall: true,
    });
    const r = await app.handle(new Request("http://localhost/luna?step=discovery&hwdata=02:00:00:00:00:01"));
    expect([r.status, await r.text()]).toEqual([503, "The store's disk is full: the change was not saved\n"]);

    // The checkpoint cannot copy the WAL into a file that cannot grow: it fails, is reported
    // once, and the worker stays (it used to stop for good until a restart).
    expect(
      await checkpointer.now().then(
        () => "ok",
        (e: Error) => e.message,
      ),
    ).toContain("full");
    expect(
      await checkpointer.now().then(
        () => "ok",
        (e: Error) => e.message,
      ),
    ).toContain("full");
    expect(errors.filter((m) => m.includes("retrying"))).toHaveLength(1);

    rmSync(join(dir, "filler"), { recursive: true });
    expect((await checkpointer.now()).checkpointed).toBeGreaterThanOrEqual(0);
    expect(errors.at(-1)).toContain("WAL checkpoints work again");
    await store.write(async (tx) => {
      const c = await tx.byName("cluster", "general");
      if (c) await tx.update("cluster", { ...c, comment: "healed" });
    });
    await store.close();
    const db = new Database(join(dir, "luna.db"), { readonly: true });
    expect(db.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
    db.close();
    const again = openSqliteStore(join(dir, "luna.db"));
    expect((await again.byName("cluster", "general"))?.comment).toBe("healed");
    await again.close();
  } finally {
    // lazy: detached even when a failed assertion left the store open
    await Bun.$`umount -l ${dir}`.nothrow();
    rmSync(dir, { recursive: true, force: true });
  }
});
