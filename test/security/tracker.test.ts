/**
 * The tracker on a hostile provisioning network (issue 13, item 4), driven through its handler
 * with the remote address a socket would give, on a real SQLite store wrapped to count reads:
 * `ip=` from anywhere but loopback plants no peer; a flood of unknown info-hashes reads nothing
 * from the store and costs step=boot nothing; the `admit` hook refuses peers without a valid
 * boot credential before anything is stored.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import bencode from "bencode";
import type { Store } from "../../src/domain/store.ts";
import { createApp } from "../../src/server/app.ts";
import { createTracker, type TrackerOptions } from "../../src/torrent/tracker.ts";
import { type TestCluster, testCluster } from "../helpers/cluster.ts";

const HASH = "0".repeat(40); // the fixture's packed version
const TOKEN = "c0ffee".repeat(8);
const silent = { info() {}, warn() {}, error() {} };
const enc = (hex: string) => hex.replace(/../g, (b) => `%${b}`);
const peerId = (n: number) => enc(Buffer.from(`-AR0001-${String(n).padStart(12, "0")}`).toString("hex"));
const url = (o: { n: number; hash?: string; port?: number; extra?: string; prefix?: string }) =>
  `http://10.30.255.254:7050/announce?${o.prefix ?? ""}info_hash=${enc(o.hash ?? HASH)}` +
  `&peer_id=${peerId(o.n)}&port=${o.port ?? 6881}&left=100&compact=1${o.extra ?? ""}`;
const body = async (r: Response) =>
  bencode.decode(new Uint8Array(await r.arrayBuffer())) as Record<string, unknown>;
const text = (bytes: unknown) => new TextDecoder().decode(bytes as Uint8Array);
const reason = async (r: Response) => text((await body(r))["failure reason"]);

/** The real store, with its reads (get, byName, list) and write transactions counted. */
function counted(store: Store) {
  const calls = { reads: 0, writes: 0 };
  const proxy = new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (key === "get" || key === "byName" || key === "list") calls.reads++;
        if (key === "write") calls.writes++;
        return value.apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

describe("tracker security", () => {
  let fx: TestCluster;
  let clock: number;
  let counter: ReturnType<typeof counted>;
  const make = (extra: Partial<TrackerOptions> = {}) =>
    createTracker({
      store: counter.store,
      now: () => new Date(clock),
      seeders: () => [],
      log: silent,
      ...extra,
    });
  const peers = async () => (await fx.store.list("peer")).map((p) => `${p.ip}/${p.port}`).sort();

  beforeEach(async () => {
    fx = await testCluster({ nodes: 2, packed: true });
    clock = Date.parse("2026-11-25T10:00:00.000Z");
    counter = counted(fx.store);
  });
  afterEach(async () => {
    await fx[Symbol.asyncDispose]();
  });

  test("announces from one remote host with forged ip= leave peers only at its socket address", async () => {
    const tracker = make();
    for (let i = 0; i < 300; i++) {
      const forged = `10.${30 + (i % 3)}.${i >> 8}.${i & 255}`;
      const r = await tracker.announce(
        url({ n: i, port: 6881 + (i % 2), extra: `&ip=${forged}` }),
        "10.30.0.77",
      );
      expect(r.status).toBe(200);
    }
    expect(await peers()).toEqual(["10.30.0.77/6881", "10.30.0.77/6882"]);
    expect(tracker.stats.ipIgnored).toBe(300);
    // What another peer is told: only the socket's address.
    const r = await tracker.announce(url({ n: 999 }), "10.30.0.9");
    const compact = (await body(r)).peers as Uint8Array;
    const listed = new Set<string>();
    for (let i = 0; i < compact.length; i += 6) listed.add([...compact.subarray(i, i + 4)].join("."));
    expect([...listed]).toEqual(["10.30.0.77"]);
  });

  test("an IPv4 client of a dual-stack listener is stored under its IPv4 address", async () => {
    const tracker = make();
    expect((await tracker.announce(url({ n: 1, extra: "&ip=10.30.9.9" }), "::ffff:10.30.0.78")).status).toBe(
      200,
    );
    expect(await peers()).toEqual(["10.30.0.78/6881"]);
  });

  test("ip= is still honoured from loopback, where test setups run several peers on one host", async () => {
    const tracker = make();
    await tracker.announce(url({ n: 1, extra: "&ip=10.30.0.5" }), "127.0.0.1");
    await tracker.announce(url({ n: 2, extra: "&ip=10.30.0.6" }), "::1");
    await tracker.announce(url({ n: 3 }), "127.0.0.1");
    expect(await peers()).toEqual(["10.30.0.5/6881", "10.30.0.6/6881", "127.0.0.1/6881"]);
    expect(tracker.stats.ipIgnored).toBe(0);
  });

  test("an announce with no socket address is refused and stores nothing", async () => {
    const before = await fx.store.dump();
    const r = await make().announce(url({ n: 1, extra: "&ip=10.30.0.5" }), "");
    expect(r.status).toBe(400);
    expect(await reason(r)).toContain("address is unknown");
    expect(await fx.store.dump()).toBe(before);
  });

  test("a flood of unknown info-hashes reads nothing from the store and costs step=boot nothing", async () => {
    const tracker = make();
    const app = createApp({
      store: counter.store,
      log: silent,
      now: () => new Date(clock),
      secureInstall: true,
      tracker,
    });
    const boot = () => app.handle(new Request("http://10.30.255.254:7050/luna?step=boot"));
    expect((await tracker.announce(url({ n: 1 }), "10.30.0.1")).status).toBe(200); // the view is loaded
    const before = { ...counter.calls };
    expect((await boot()).status).toBe(200);
    const perBoot = counter.calls.reads - before.reads;
    expect(counter.calls.writes).toBe(before.writes);

    const flood = Array.from({ length: 2000 }, (_, i) =>
      tracker.announce(url({ n: i, hash: (i + 1).toString(16).padStart(40, "f") }), "10.30.0.66"),
    );
    const boots = Array.from({ length: 50 }, () => boot());
    const [answers, menus] = await Promise.all([Promise.all(flood), Promise.all(boots)]);
    for (const r of menus) expect(r.status).toBe(200);
    expect(answers.every((r) => r.status === 200)).toBe(true);
    expect(await reason(answers[0] as Response)).toContain("unknown torrent");
    // Only the boot menus read the store; nothing was written.
    expect(counter.calls.reads - before.reads).toBe(51 * perBoot);
    expect(counter.calls.writes).toBe(before.writes);
    expect(await peers()).toEqual(["10.30.0.1/6881"]);
    expect(tracker.stats.unknown).toBe(2000);

    // The known set is refreshed with the view, once per second at most, whatever the flood.
    clock += 1500;
    const mark = counter.calls.reads;
    await tracker.announce(url({ n: 1, hash: "e".repeat(40) }), "10.30.0.66");
    const perLoad = counter.calls.reads - mark;
    expect(perLoad).toBeGreaterThan(0);
    await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        tracker.announce(url({ n: i, hash: (i + 1).toString(16).padStart(40, "d") }), "10.30.0.66"),
      ),
    );
    expect(counter.calls.reads - mark).toBe(perLoad);
  });

  describe("the admit hook", () => {
    const calls: unknown[] = [];
    const admitting = (answer: (token?: string) => boolean | Promise<boolean>) =>
      make({
        admit: (a) => {
          calls.push(a);
          return answer(a.token);
        },
      });
    beforeEach(() => {
      calls.length = 0;
    });
    const credential = (node = "node001", token = TOKEN) => `node=${node}&token=${token}&`;

    test("a refused peer gets a failure reason naming its node and nothing is stored", async () => {
      const tracker = admitting(() => false);
      const before = await fx.store.dump();
      const r = await tracker.announce(url({ n: 1, prefix: credential() }), "10.30.0.1");
      expect(r.status).toBe(200);
      const answer = await body(r);
      expect(Object.keys(answer)).toEqual(["failure reason"]);
      expect(text(answer["failure reason"])).toBe(
        "announce refused: this peer has no valid boot credential for node node001",
      );
      expect(await fx.store.dump()).toBe(before);
      expect(tracker.stats).toMatchObject({ refused: 1, announces: 0 });
      expect(calls).toEqual([{ ip: "10.30.0.1", node: "node001", token: TOKEN, infohash: HASH }]);
    });

    test("an admitted peer is stored; the hook sees the node, its token and the socket's address", async () => {
      const tracker = admitting(async (token) => token === TOKEN);
      const ok = await tracker.announce(
        url({ n: 1, prefix: credential(), extra: "&ip=10.30.0.8" }),
        "10.30.0.1",
      );
      expect(Object.keys(await body(ok))).toContain("peers");
      expect(calls).toEqual([{ ip: "10.30.0.1", node: "node001", token: TOKEN, infohash: HASH }]);
      const wrong = await tracker.announce(url({ n: 2, prefix: credential("node002", "ab") }), "10.30.0.2");
      expect(await reason(wrong)).toBe(
        "announce refused: this peer has no valid boot credential for node node002",
      );
      const none = await tracker.announce(url({ n: 3 }), "10.30.0.3");
      expect(await reason(none)).toContain("names no node");
      expect(await peers()).toEqual(["10.30.0.1/6881"]);
      expect(tracker.stats).toMatchObject({ refused: 2, announces: 1 });
    });

    test("a hook that throws refuses; an unknown info-hash never reaches the hook", async () => {
      const tracker = admitting(() => {
        throw new Error("store down");
      });
      const r = await tracker.announce(url({ n: 1, prefix: credential() }), "10.30.0.1");
      expect(await reason(r)).toContain("announce refused");
      await tracker.announce(url({ n: 1, prefix: credential(), hash: "1".repeat(40) }), "10.30.0.1");
      expect(calls).toHaveLength(1);
      expect(await peers()).toEqual([]);
    });
  });
});
