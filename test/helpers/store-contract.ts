/**
 * The one contract every Store backend must meet (src/domain/store.ts), run by each backend's
 * test file against a fresh, empty store from `open`. Where backends knowingly differ, the
 * difference is listed in KNOWN_DIFFERENCES and the affected test asserts each backend's
 * documented behaviour explicitly; nothing in the suite is skipped.
 */
import { describe, expect, test } from "bun:test";
import { AppError, type ErrorCode } from "../../src/domain/errors.ts";
import type { BmcSetup, MacBinding, OtherDev } from "../../src/domain/model.ts";
import type { Store } from "../../src/domain/store.ts";

type Backend = Store["backend"];

/** A read outside write() while a write() of the same process is unfinished. */
export const DIRTY_READ_IN_PROCESS =
  "a read outside write() made while a write() of the same process is unfinished sees that write's uncommitted changes";

export const KNOWN_DIFFERENCES: readonly { backend: Backend; behaviour: string; reason: string }[] = [
  {
    backend: "mongodb",
    behaviour: "write() needs a replica set (a single member started with --replSet is enough) or mongos",
    reason:
      "MongoDB has multi-document transactions only on replica sets and sharded clusters; " +
      "openMongoStore refuses a standalone server with STORE_UNAVAILABLE instead of losing atomicity",
  },
  {
    backend: "mongodb",
    behaviour: "write() may run its callback more than once",
    reason:
      "withTransaction retries the callback on TransientTransactionError (a write conflict with another " +
      "head node); SQLite takes its lock up front (BEGIN IMMEDIATE) and runs the callback exactly once",
  },
  {
    backend: "mongodb",
    behaviour: "an ALREADY_EXISTS reported by the server itself (error 11000) aborts the whole transaction",
    reason:
      "MongoDB aborts a transaction on any failed write; the store checks id and name inside the " +
      "transaction first, so the ordinary duplicate stays recoverable as on SQLite (tested below)",
  },
  {
    backend: "mongodb",
    behaviour: "the contract runs only when LUNA_TEST_MONGODB_URL names a replica set",
    reason:
      "no MongoDB server exists in the default test environment; without one, a single test proves " +
      "that an unreachable server fails with STORE_UNAVAILABLE",
  },
];

const differs = (backend: Backend, behaviour: string): boolean =>
  KNOWN_DIFFERENCES.some((d) => d.backend === backend && d.behaviour === behaviour);

let seq = 0;
const uid = (): string => `id-${++seq}-${crypto.randomUUID()}`;

export const bmc = (name: string, over: Partial<BmcSetup> = {}): BmcSetup => ({
  id: uid(),
  name,
  user: "admin",
  password: "secret",
  userid: 3,
  netchannel: 1,
  mgmtchannel: 1,
  protocol: "ipmi",
  insecure: false,
  port: 0,
  comment: "",
  ...over,
});

export const mac = (name: string, node = uid()): MacBinding => ({ id: uid(), name, node });

/** Resolves to the AppError code a promise rejects with; fails the test if it resolves. */
export async function codeOf(p: Promise<unknown>): Promise<ErrorCode> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return (err as AppError).code;
}

/** Lets other pending callbacks run, so a missing lock would show as interleaving. */
const yieldTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function storeContract(name: string, open: () => Promise<Store>): void {
  const withStore = (fn: (store: Store) => Promise<void>) => async () => {
    const store = await open();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  };
  const seed = (store: Store, ...docs: BmcSetup[]) =>
    store.write(async (tx) => {
      for (const d of docs) await tx.insert("bmcsetup", d);
    });

  describe(`${name} store contract`, () => {
    test(
      "a fresh store is empty and names its backend",
      withStore(async (store) => {
        expect(["sqlite", "mongodb"]).toContain(store.backend);
        expect(await store.list("bmcsetup")).toEqual([]);
        expect(await store.dump()).toBe("");
      }),
    );

    test(
      "insert then get and byName return the document exactly as inserted",
      withStore(async (store) => {
        const b = bmc("base", { comment: 'ünïcode ✓ "quoted" \t tab' });
        const m = mac("52:54:00:00:00:01");
        const o: OtherDev = {
          id: uid(),
          name: "pdu1",
          connected: { net1: "10.0.0.9" },
          mac: null,
          comment: "",
        };
        await store.write(async (tx) => {
          await tx.insert("bmcsetup", b);
          await tx.insert("mac", m);
          await tx.insert("otherdev", o);
        });
        for (const got of [await store.get("bmcsetup", b.id), await store.byName("bmcsetup", "base")]) {
          expect(got).toEqual(b);
          expect(JSON.stringify(got)).toBe(JSON.stringify(b));
        }
        expect(await store.get("mac", m.id)).toEqual(m);
        expect(await store.byName("mac", m.name)).toEqual(m);
        expect(JSON.stringify(await store.get("otherdev", o.id))).toBe(JSON.stringify(o));
      }),
    );

    test(
      "get and byName return undefined for a missing document",
      withStore(async (store) => {
        await seed(store, bmc("base"));
        expect(await store.get("bmcsetup", "no-such-id")).toBeUndefined();
        expect(await store.byName("bmcsetup", "nosuch")).toBeUndefined();
        expect(await store.byName("mac", "base")).toBeUndefined();
      }),
    );

    test(
      "list returns every document of a kind sorted bytewise by name",
      withStore(async (store) => {
        const names = ["b", "node010", "a2", "B", "node002", "a10"];
        await seed(store, ...names.map((n) => bmc(n)));
        const listed = await store.list("bmcsetup");
        expect(listed.map((d) => d.name)).toEqual(["B", "a10", "a2", "b", "node002", "node010"]);
        expect(listed.every((d) => !("_id" in d))).toBe(true);
        expect(await store.list("mac")).toEqual([]);
      }),
    );

    test(
      "insert with a taken name fails with ALREADY_EXISTS and changes nothing",
      withStore(async (store) => {
        await seed(store, bmc("base"));
        const before = await store.dump();
        expect(await codeOf(seed(store, bmc("base", { comment: "second" })))).toBe("ALREADY_EXISTS");
        expect(await store.dump()).toBe(before);
      }),
    );

    test(
      "insert with a taken id fails with ALREADY_EXISTS and changes nothing",
      withStore(async (store) => {
        const b = bmc("base");
        await seed(store, b);
        const before = await store.dump();
        expect(await codeOf(seed(store, { ...b, name: "other" }))).toBe("ALREADY_EXISTS");
        expect(await store.dump()).toBe(before);
        expect(await store.byName("bmcsetup", "other")).toBeUndefined();
      }),
    );

    test(
      "update replaces the document with the same id, renames included",
      withStore(async (store) => {
        const b = bmc("base");
        await seed(store, b);
        const changed = { ...b, name: "renamed", userid: 7 };
        await store.write((tx) => tx.update("bmcsetup", changed));
        expect(await store.get("bmcsetup", b.id)).toEqual(changed);
        expect(await store.byName("bmcsetup", "renamed")).toEqual(changed);
        expect(await store.byName("bmcsetup", "base")).toBeUndefined();
        await store.write((tx) => tx.update("bmcsetup", { ...changed, comment: "same name" }));
        expect((await store.get("bmcsetup", b.id))?.comment).toBe("same name");
        expect(await store.list("bmcsetup")).toHaveLength(1);
      }),
    );

    test(
      "update to a name another document holds fails with ALREADY_EXISTS and changes nothing",
      withStore(async (store) => {
        const a = bmc("a");
        await seed(store, a, bmc("b"));
        const before = await store.dump();
        expect(await codeOf(store.write((tx) => tx.update("bmcsetup", { ...a, name: "b" })))).toBe(
          "ALREADY_EXISTS",
        );
        expect(await store.dump()).toBe(before);
      }),
    );

    test(
      "update of a missing id fails with NOT_FOUND and creates nothing, even when its name is taken",
      withStore(async (store) => {
        await seed(store, bmc("taken"));
        const before = await store.dump();
        expect(await codeOf(store.write((tx) => tx.update("bmcsetup", bmc("ghost"))))).toBe("NOT_FOUND");
        expect(await codeOf(store.write((tx) => tx.update("bmcsetup", bmc("taken"))))).toBe("NOT_FOUND");
        expect(await store.dump()).toBe(before);
      }),
    );

    test(
      "remove returns true for a stored document, false for a missing one, and frees its name",
      withStore(async (store) => {
        const b = bmc("base");
        await seed(store, b);
        expect(await store.write((tx) => tx.remove("bmcsetup", b.id))).toBe(true);
        expect(await store.get("bmcsetup", b.id)).toBeUndefined();
        expect(await store.write((tx) => tx.remove("bmcsetup", b.id))).toBe(false);
        expect(await store.write((tx) => tx.remove("mac", "never-was"))).toBe(false);
        await seed(store, bmc("base"));
        expect((await store.byName("bmcsetup", "base"))?.id).not.toBe(b.id);
      }),
    );

    test(
      "write returns its callback's result and its reads see its own changes",
      withStore(async (store) => {
        const b = bmc("base");
        const result = await store.write(async (tx) => {
          await tx.insert("bmcsetup", b);
          expect(await tx.get("bmcsetup", b.id)).toEqual(b);
          expect(await tx.byName("bmcsetup", "base")).toEqual(b);
          expect(await tx.list("bmcsetup")).toEqual([b]);
          await tx.remove("bmcsetup", b.id);
          expect(await tx.get("bmcsetup", b.id)).toBeUndefined();
          await tx.insert("bmcsetup", b);
          return { answer: 42 };
        });
        expect(result).toEqual({ answer: 42 });
        expect(await store.get("bmcsetup", b.id)).toEqual(b);
      }),
    );

    test(
      "write rolls back every change when its callback throws, and the error propagates",
      withStore(async (store) => {
        const keep = bmc("keep");
        const gone = bmc("gone");
        await seed(store, keep, gone);
        const before = await store.dump();
        const boom = new Error("boom");
        const run = store.write(async (tx) => {
          await tx.insert("bmcsetup", bmc("new"));
          await tx.insert("mac", mac("52:54:00:00:00:02"));
          await tx.update("bmcsetup", { ...keep, name: "kept", userid: 9 });
          expect(await tx.remove("bmcsetup", gone.id)).toBe(true);
          await yieldTurn();
          throw boom;
        });
        expect(
          await run.then(
            () => undefined,
            (e: unknown) => e,
          ),
        ).toBe(boom);
        expect(await store.dump()).toBe(before);
        expect(await store.get("bmcsetup", keep.id)).toEqual(keep);
        expect(await store.get("bmcsetup", gone.id)).toEqual(gone);
        // The store stays usable after a rollback.
        await seed(store, bmc("after"));
        expect(await store.list("bmcsetup")).toHaveLength(3);
      }),
    );

    test(
      "write rolls back earlier changes when a store operation inside it fails",
      withStore(async (store) => {
        await seed(store, bmc("taken"));
        const before = await store.dump();
        const run = store.write(async (tx) => {
          await tx.insert("bmcsetup", bmc("first"));
          await tx.insert("bmcsetup", bmc("taken"));
        });
        expect(await codeOf(run)).toBe("ALREADY_EXISTS");
        expect(await store.dump()).toBe(before);
      }),
    );

    test(
      "write stays usable after its callback catches an ALREADY_EXISTS",
      withStore(async (store) => {
        await seed(store, bmc("taken"));
        await store.write(async (tx) => {
          expect(await codeOf(tx.insert("bmcsetup", bmc("taken")))).toBe("ALREADY_EXISTS");
          await tx.insert("bmcsetup", bmc("fresh"));
        });
        expect((await store.list("bmcsetup")).map((d) => d.name)).toEqual(["fresh", "taken"]);
      }),
    );

    test(
      "write serialises 20 concurrent read-modify-write callbacks",
      withStore(async (store) => {
        const counter = bmc("counter", { userid: 0 });
        await seed(store, counter);
        const runs = Array.from({ length: 20 }, () =>
          store.write(async (tx) => {
            const c = await tx.get("bmcsetup", counter.id);
            if (!c) throw new Error("counter vanished");
            await yieldTurn();
            await tx.update("bmcsetup", { ...c, userid: c.userid + 1 });
            return c.userid;
          }),
        );
        const seen = await Promise.all(runs);
        expect(new Set(seen).size).toBe(20);
        expect((await store.get("bmcsetup", counter.id))?.userid).toBe(20);
      }),
    );

    test(
      "a read outside write does not see another unfinished write's changes, except as documented",
      withStore(async (store) => {
        const b = bmc("pending");
        let inserted!: () => void;
        const ready = new Promise<void>((resolve) => {
          inserted = resolve;
        });
        let release!: () => void;
        const held = new Promise<void>((resolve) => {
          release = resolve;
        });
        const run = store.write(async (tx) => {
          await tx.insert("bmcsetup", b);
          inserted();
          await held;
          throw new Error("rolled back");
        });
        await ready;
        const seen = await store.get("bmcsetup", b.id);
        release();
        await run.catch(() => undefined);
        expect(seen).toEqual(differs(store.backend, DIRTY_READ_IN_PROCESS) ? b : undefined);
        expect(await store.get("bmcsetup", b.id)).toBeUndefined();
      }),
    );

    test(
      "kinds are isolated: the same name and id may exist in two kinds",
      withStore(async (store) => {
        const b = bmc("shared");
        const m: MacBinding = { id: b.id, name: "shared", node: "n1" };
        await store.write(async (tx) => {
          await tx.insert("bmcsetup", b);
          await tx.insert("mac", m);
        });
        expect(await store.byName("bmcsetup", "shared")).toEqual(b);
        expect(await store.byName("mac", "shared")).toEqual(m);
        expect(await store.write((tx) => tx.remove("mac", m.id))).toBe(true);
        expect(await store.get("bmcsetup", b.id)).toEqual(b);
        expect(await store.list("mac")).toEqual([]);
      }),
    );

    test(
      "dump is stable canonical text that changes with every committed write only",
      withStore(async (store) => {
        const a = bmc("a");
        const z = bmc("z");
        await seed(store, z, a);
        const first = await store.dump();
        expect(await store.dump()).toBe(first);
        expect(first).toContain(a.id);
        expect(first.indexOf(a.id)).toBeLessThan(first.indexOf(z.id));
        await store
          .write(async (tx) => {
            await tx.update("bmcsetup", { ...a, comment: "x" });
            throw new Error("no");
          })
          .catch(() => undefined);
        expect(await store.dump()).toBe(first);
        await store.write((tx) => tx.update("bmcsetup", { ...a, comment: "x" }));
        const changed = await store.dump();
        expect(changed).not.toBe(first);
        // The same content inserted in another order dumps to the same text.
        await store.write(async (tx) => {
          await tx.remove("bmcsetup", a.id);
          await tx.remove("bmcsetup", z.id);
        });
        expect(await store.dump()).toBe("");
        await seed(store, { ...a, comment: "x" }, z);
        expect(await store.dump()).toBe(changed);
      }),
    );

    test(
      "a document stored before a field existed reads with the field's default, in and out of write()",
      withStore(async (store) => {
        const { protocol: _p, insecure: _i, port: _port, ...old } = bmc("old");
        await store.write((tx) => tx.insert("bmcsetup", old as BmcSetup));
        const expected: BmcSetup = { ...old, protocol: "ipmi", insecure: false, port: 0 };
        expect(await store.get("bmcsetup", old.id)).toEqual(expected);
        expect(await store.byName("bmcsetup", "old")).toEqual(expected);
        expect(await store.list("bmcsetup")).toEqual([expected]);
        expect(await store.write((tx) => tx.get("bmcsetup", old.id))).toEqual(expected);
      }),
    );

    test(
      "a stored document that does not match its schema fails with STORE_INVALID naming kind, name and field",
      withStore(async (store) => {
        const bad = { ...bmc("broken"), userid: "three" } as unknown as BmcSetup;
        await store.write((tx) => tx.insert("bmcsetup", bad));
        for (const read of [
          () => store.get("bmcsetup", bad.id),
          () => store.byName("bmcsetup", "broken"),
          () => store.list("bmcsetup"),
          () => store.write((tx) => tx.get("bmcsetup", bad.id)),
        ]) {
          const err = await read().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(AppError);
          expect((err as AppError).code).toBe("STORE_INVALID");
          expect((err as AppError).message).toStartWith("The stored bmcsetup 'broken' is not valid: userid:");
        }
      }),
    );

    test(
      "text longer than today's limits, stored by an older version, still reads",
      withStore(async (store) => {
        const long = bmc("long", { comment: "x".repeat(5000) });
        await seed(store, long);
        expect(await store.get("bmcsetup", long.id)).toEqual(long);
      }),
    );

    test("close waits for a running write and later calls reject", async () => {
      const store = await open();
      const b = bmc("last");
      const run = store.write(async (tx) => {
        await yieldTurn();
        await tx.insert("bmcsetup", b);
        return "done";
      });
      await store.close();
      expect(await run).toBe("done");
      expect(
        await store.get("bmcsetup", b.id).then(
          () => "resolved",
          () => "rejected",
        ),
      ).toBe("rejected");
      expect(
        await store
          .write(async () => "ran")
          .then(
            (v) => v,
            () => "rejected",
          ),
      ).toBe("rejected");
    });
  });
}
