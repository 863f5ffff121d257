/**
 * The MongoDB store. With LUNA_TEST_MONGODB_URL pointing at a replica set (a single member is
 * enough: `mongod --replSet rs0` then `rs.initiate()`), the shared contract runs against the
 * database `luna_contract_test` there, emptied before each test, plus a two-client race.
 * Without it, one test still proves that an unreachable server fails with STORE_UNAVAILABLE
 * and that the error never shows the password.
 */
import { describe, expect, test } from "bun:test";
import { AppError } from "../../src/domain/errors.ts";
import { KINDS } from "../../src/domain/model.ts";
import type { Store } from "../../src/domain/store.ts";
import { openMongoStore } from "../../src/store/mongo/mongo-store.ts";
import { bmc, storeContract } from "../helpers/store-contract.ts";

const URL_ENV = process.env.LUNA_TEST_MONGODB_URL;

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

/** The same URL naming another database, so a test run never touches real data. */
const withDatabase = (url: string, name: string): string =>
  url.replace(/^([^:/?#]+:\/\/[^/?#]*)(\/[^?#]*)?/, `$1/${name}`);

async function emptied(store: Store): Promise<Store> {
  await store.write(async (tx) => {
    for (const kind of KINDS) for (const d of await tx.list(kind)) await tx.remove(kind, d.id);
  });
  return store;
}

if (URL_ENV) {
  const url = withDatabase(URL_ENV, "luna_contract_test");
  storeContract("mongodb", async () => emptied(await openMongoStore(url)));

  describe("mongodb store across clients", () => {
    test("two clients' concurrent read-modify-write transactions lose no update", async () => {
      const a = await emptied(await openMongoStore(url));
      const b = await openMongoStore(url);
      try {
        const counter = bmc("counter", { userid: 0 });
        await a.write((tx) => tx.insert("bmcsetup", counter));
        const bump = (store: Store) =>
          store.write(async (tx) => {
            const c = await tx.get("bmcsetup", counter.id);
            if (!c) throw new Error("counter vanished");
            await tx.update("bmcsetup", { ...c, userid: c.userid + 1 });
          });
        await Promise.all(Array.from({ length: 10 }, (_, i) => bump(i % 2 ? a : b)));
        expect((await b.get("bmcsetup", counter.id))?.userid).toBe(10);
        expect(await b.dump()).toBe(await a.dump());
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
} else {
  test("mongodb contract is not run: LUNA_TEST_MONGODB_URL is unset", async () => {
    // Port 1 on loopback is closed, so server selection fails after the URL's 500 ms.
    const closed = await rejection(openMongoStore("mongodb://127.0.0.1:1/luna?serverSelectionTimeoutMS=500"));
    expect(closed.code).toBe("STORE_UNAVAILABLE");
    expect(closed.message).toContain("mongodb://127.0.0.1:1/luna");
    expect(closed.toLine()).toContain("--store");

    const secret = await rejection(
      openMongoStore("mongodb://luna:s3cr3t@127.0.0.1:1/luna?serverSelectionTimeoutMS=500"),
    );
    expect(secret.code).toBe("STORE_UNAVAILABLE");
    expect(secret.message).toContain("mongodb://luna:***@127.0.0.1:1/luna");
    expect(secret.toLine()).not.toContain("s3cr3t");

    const malformed = await rejection(openMongoStore("mongodb://pw:s3cr3t@"));
    expect(malformed.code).toBe("STORE_UNAVAILABLE");
    expect(malformed.toLine()).not.toContain("s3cr3t");
  });
}
