/**
 * The group commit for node updates: changes made in one turn of the event loop share one
 * transaction, each caller learns its own outcome only after that commit, and a bad change
 * (unknown node, invalid stage, a change that throws) fails alone.
 */
import { expect, test } from "bun:test";
import type { Store } from "../../src/domain/store.ts";
import { createStatusBatcher } from "../../src/server/status-batcher.ts";
import { testCluster } from "../helpers/cluster.ts";

/** The fixture's real store, with its write transactions counted. */
function counting(store: Store): { store: Store; writes: () => number } {
  let writes = 0;
  const counted: Store = {
    ...store,
    write(fn) {
      writes++;
      return store.write(fn);
    },
  };
  return { store: counted, writes: () => writes };
}

test("reports made in one turn share one transaction; each is answered after it commits", async () => {
  await using fx = await testCluster({ nodes: 4 });
  const { store, writes } = counting(fx.store);
  const batcher = createStatusBatcher(store);
  const names = ["node001", "node002", "node003", "node004"];
  const done = names.flatMap((n) =>
    ["install.download", "install.unpack"].map((step, k) =>
      batcher
        .record(n, step, `2026-11-25T10:00:0${k}.000Z`)
        .then(async () => (await fx.store.byName("node", n))?.status),
    ),
  );
  const seen = await Promise.all(done);
  expect(writes()).toBe(1);
  // when a report's promise resolves, the store already holds it (or a later one of the batch)
  for (const s of seen) expect(s?.step).toBe("install.unpack");
  for (const n of names) {
    const node = await fx.store.byName("node", n);
    expect(node?.history?.slice(-2).map((h) => h.step)).toEqual(["install.download", "install.unpack"]);
  }
});

test("an unknown node, a bad stage or a failing change fails alone; the rest commit", async () => {
  await using fx = await testCluster({ nodes: 2 });
  const batcher = createStatusBatcher(fx.store);
  const before = await fx.store.byName("node", "node002");
  const results = await Promise.allSettled([
    batcher.record("node001", "install.success", "2026-11-25T10:00:00.000Z"),
    batcher.record("node999", "install.success", "2026-11-25T10:00:00.000Z"),
    batcher.update("node002", () => {
      throw new Error("refused");
    }),
  ]);
  expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "rejected"]);
  expect(String((results[1] as PromiseRejectedResult).reason)).toContain("No node named 'node999'");
  expect(String((results[2] as PromiseRejectedResult).reason)).toContain("refused");
  await expect(batcher.record("node001", "Not A Stage!", "2026-11-25T10:00:00.000Z")).rejects.toThrow(
    /Invalid status/,
  );
  expect((await fx.store.byName("node", "node001"))?.status?.step).toBe("install.success");
  expect(await fx.store.byName("node", "node002")).toEqual(before);
});
