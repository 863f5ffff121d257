/**
 * The tracker through the app listening on 127.0.0.1 (`/announce`, `/scrape`), with peers in a
 * real SQLite store: only packed images are tracked, compact and plain peer lists, the seeder
 * always first, `stopped` forgets a peer, and malformed announces are refused without storing
 * anything. Several peers share 127.0.0.1 here through `ip=`, which loopback may still send.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import bencode from "bencode";
import { createApp } from "../../src/server/app.ts";
import { scrapeBody } from "../../src/torrent/announce.ts";
import { createTracker, type Tracker } from "../../src/torrent/tracker.ts";
import { type TestCluster, testCluster } from "../helpers/cluster.ts";

const HASH = "0".repeat(40); // the fixture's packed version
const enc = (hex: string) => hex.replace(/../g, (b) => `%${b}`);
const peerId = (n: number) => enc(Buffer.from(`-AR0001-${String(n).padStart(12, "0")}`).toString("hex"));
const decode = async (r: Response) =>
  bencode.decode(new Uint8Array(await r.arrayBuffer())) as Record<string, unknown>;

/** The app serving `tracker`, listening on a free port of 127.0.0.1. */
function listen(fx: TestCluster, tracker: Tracker) {
  const app = createApp({
    store: fx.store,
    log: { info() {}, warn() {}, error() {} },
    now: () => new Date(),
    secureInstall: true,
    counters: { installRefused: 0, unknownNodes: 0, statusReports: 0 },
    tracker,
  });
  const server = app.listen({ hostname: "127.0.0.1", port: 0 });
  return {
    get: (path: string) => fetch(`http://127.0.0.1:${server.server?.port}${path}`),
    stop: async () => {
      await server.stop(true);
    },
  };
}

describe("tracker", () => {
  let fx: TestCluster;
  let get: (path: string) => Promise<Response>;
  let tracker: Tracker;
  let stop: () => Promise<void> = async () => {};
  beforeAll(async () => {
    fx = await testCluster({ nodes: 2, packed: true });
    tracker = createTracker({
      store: fx.store,
      now: () => new Date(),
      seeders: () => [{ ip: "10.30.255.254", port: 7052, peerid: "ab".repeat(20) }],
      log: { warn() {} },
    });
    ({ get, stop } = listen(fx, tracker));
  });
  afterAll(async () => {
    await stop();
    await fx[Symbol.asyncDispose]();
  });

  const announce = (n: number, extra = "") => {
    const params = new Map([
      ["uploaded", "0"],
      ["downloaded", "0"],
      ["left", "100"],
      ["compact", "1"],
      ["ip", `10.30.0.${n}`],
    ]);
    for (const kv of extra.split("&").filter(Boolean)) {
      const [k, v] = kv.split("=");
      params.set(k as string, v ?? "");
    }
    const rest = [...params].map(([k, v]) => `&${k}=${v}`).join("");
    return get(`/announce?info_hash=${enc(HASH)}&peer_id=${peerId(n)}&port=${6880 + n}${rest}`);
  };

  test("an announce for a packed image returns the seeder and the other peers in compact form", async () => {
    expect((await announce(1, "&event=started")).status).toBe(200);
    const body = await decode(await announce(2, "&event=started"));
    expect(body.interval).toBe(10);
    const peers = body.peers as Uint8Array;
    expect(peers.length).toBe(12);
    expect([...peers.slice(0, 6)]).toEqual([10, 30, 255, 254, 7052 >> 8, 7052 & 255]);
    expect([...peers.slice(6, 12)]).toEqual([10, 30, 0, 1, 6881 >> 8, 6881 & 255]);
    expect(body.incomplete).toBe(2);
    expect(await fx.store.byName("peer", `${HASH}/10.30.0.2/6882`)).toMatchObject({
      left: 100,
      event: "started",
    });
  });

  test("non-compact announces list peers with their ids", async () => {
    const body = await decode(await announce(3, "&compact=0"));
    const peers = body.peers as { ip: Uint8Array; port: number }[];
    expect(peers.map((p) => new TextDecoder().decode(p.ip)).sort()).toEqual([
      "10.30.0.1",
      "10.30.0.2",
      "10.30.255.254",
    ]);
  });

  test("numwant caps the list but the seeder stays", async () => {
    const body = await decode(await announce(4, "&numwant=1"));
    expect((body.peers as Uint8Array).length).toBe(6);
    expect([...(body.peers as Uint8Array).slice(0, 4)]).toEqual([10, 30, 255, 254]);
  });

  test("completed and stopped update the swarm", async () => {
    await announce(1, "&event=completed&left=0");
    const scrape = await decode(await get(`/scrape?info_hash=${enc(HASH)}`));
    const files = scrape.files as Record<string, { complete: number; incomplete: number }>;
    const entry = Object.values(files)[0];
    expect(entry?.complete).toBe(1);
    await announce(1, "&event=stopped");
    expect(await fx.store.byName("peer", `${HASH}/10.30.0.1/6881`)).toBeUndefined();
  });

  test("an unknown info-hash is refused and not stored", async () => {
    const before = await fx.store.dump();
    const body = await decode(
      await get(`/announce?info_hash=${enc("1".repeat(40))}&peer_id=${peerId(9)}&port=6999`),
    );
    expect(new TextDecoder().decode(body["failure reason"] as Uint8Array)).toContain("unknown torrent");
    expect(await fx.store.dump()).toBe(before);
  });

  test("node= and token= in front of the announce parameters (aria2c's form) are accepted", async () => {
    const r = await get(
      `/announce?node=node001&token=${"AB12".repeat(8)}&info_hash=${enc(HASH)}&peer_id=${peerId(6)}&port=6886&ip=10.30.0.6`,
    );
    expect(r.status).toBe(200);
    expect(Object.keys(await decode(r))).toContain("peers");
    expect(await fx.store.byName("peer", `${HASH}/10.30.0.6/6886`)).toMatchObject({ port: 6886 });
  });

  const BAD = [
    "/announce",
    `/announce?info_hash=${enc("00".repeat(19))}&peer_id=${peerId(1)}&port=1`,
    `/announce?info_hash=${enc(HASH)}&port=6881`,
    `/announce?info_hash=${enc(HASH)}&peer_id=${peerId(1)}`,
    `/announce?info_hash=${enc(HASH)}&peer_id=${peerId(1)}&port=70000`,
    `/announce?info_hash=${enc(HASH)}&peer_id=${peerId(1)}&port=0`,
    `/announce?info_hash=${enc(HASH)}&peer_id=${peerId(1)}&port=6881&left=-1`,
    `/announce?info_hash=${enc(HASH)}&peer_id=${peerId(1)}&port=6881&event=exploded`,
    `/announce?info_hash=%zz${enc(HASH)}&peer_id=${peerId(1)}&port=6881`,
    `/announce?info_hash=${enc(HASH)}&peer_id=${peerId(1)}&port=6881&x=${"a".repeat(5000)}`,
    `/scrape?info_hash=${enc("00".repeat(5))}`,
    // a peer address that is not one would poison every compact answer after it
    `/announce?info_hash=${enc(HASH)}&peer_id=${peerId(1)}&port=6881&ip=999.1.1.1`,
    `/announce?info_hash=${enc(HASH)}&peer_id=${peerId(1)}&port=6881&ip=1.2.3.4.5`,
    `/announce?info_hash=${enc(HASH)}&peer_id=${peerId(1)}&port=6881&ip=.....`,
    // a node name or boot credential that is not one
    `/announce?node=&info_hash=${enc(HASH)}&peer_id=${peerId(1)}&port=6881`,
    `/announce?node=${"n".repeat(65)}&info_hash=${enc(HASH)}&peer_id=${peerId(1)}&port=6881`,
    `/announce?node=-node001&info_hash=${enc(HASH)}&peer_id=${peerId(1)}&port=6881`,
    `/announce?node=node%2F001&info_hash=${enc(HASH)}&peer_id=${peerId(1)}&port=6881`,
    `/announce?node=node001&token=&info_hash=${enc(HASH)}&peer_id=${peerId(1)}&port=6881`,
    `/announce?node=node001&token=xyz1&info_hash=${enc(HASH)}&peer_id=${peerId(1)}&port=6881`,
    `/announce?node=node001&token=${"a".repeat(129)}&info_hash=${enc(HASH)}&peer_id=${peerId(1)}&port=6881`,
  ];
  test("a compact answer skips a malformed stored address instead of failing", async () => {
    await fx.store.write(async (tx) => {
      await tx.insert("peer", {
        id: "bad-peer",
        name: `${HASH}/999.1.1.1/6881`,
        infohash: HASH,
        ip: "999.1.1.1",
        port: 6881,
        peerid: "cd".repeat(20),
        uploaded: 0,
        downloaded: 0,
        left: 5,
        event: "",
        updated: new Date().toISOString(),
      });
    });
    tracker.invalidate();
    const r = await announce(5);
    expect(r.status).toBe(200);
    const peers = (await decode(r)).peers as Uint8Array;
    expect(peers.length % 6).toBe(0);
    expect(peers.length).toBeGreaterThan(0);
    await fx.store.write(async (tx) => tx.remove("peer", "bad-peer"));
    tracker.invalidate();
  });

  for (const path of BAD) {
    test(`malformed ${path.slice(0, 50)}… gets a failure reason and stores nothing`, async () => {
      const before = await fx.store.dump();
      const r = await get(path);
      expect(r.status).toBe(400);
      expect(Object.keys(await decode(r))).toEqual(["failure reason"]);
      expect(await fx.store.dump()).toBe(before);
    });
  }
});

test("a scrape answer is keyed by the raw 20-byte info-hash, in byte order", () => {
  const high = `${"ff".repeat(19)}80`;
  const low = "01".repeat(20);
  const body = scrapeBody(
    new Map([
      [high, { complete: 1, incomplete: 0, downloaded: 1 }],
      [low, { complete: 0, incomplete: 2, downloaded: 0 }],
    ]),
  );
  const text = Buffer.from(body);
  expect(text.subarray(0, 12).toString("latin1")).toBe("d5:filesd20:");
  expect(text.subarray(12, 32).toString("hex")).toBe(low);
  const decoded = bencode.decode(body) as { files: Record<string, { incomplete: number }> };
  expect(Object.keys(decoded.files)).toHaveLength(2);
  const second = text.indexOf("20:", 40);
  expect(text.subarray(second + 3, second + 23).toString("hex")).toBe(high);
  expect(text.subarray(-2).toString("latin1")).toBe("ee");
});

test("a new leecher's announce is answered only after the seeder's dial is through (joined)", async () => {
  await using fx = await testCluster({ nodes: 2, packed: true });
  const calls: [string, string, number][] = [];
  const called = Promise.withResolvers<void>();
  const through = Promise.withResolvers<void>();
  const tracker = createTracker({
    store: fx.store,
    now: () => new Date(),
    seeders: () => [],
    log: { warn() {} },
    joined: (infohash, ip, port) => {
      calls.push([infohash, ip, port]);
      called.resolve();
      return through.promise;
    },
  });
  const { get, stop } = listen(fx, tracker);
  try {
    const path = `/announce?info_hash=${enc(HASH)}&peer_id=${peerId(7)}&port=6887&left=100&compact=1&ip=10.30.0.7`;
    let answered = false;
    const first = get(`${path}&event=started`).then((r) => {
      answered = true;
      return r;
    });
    await called.promise;
    // Another request goes through meanwhile; the announce still waits for the dial.
    expect((await get(`/scrape?info_hash=${enc(HASH)}`)).status).toBe(200);
    expect(answered).toBe(false);
    through.resolve();
    expect((await first).status).toBe(200);
    expect(calls).toEqual([[HASH, "10.30.0.7", 6887]]);
    // Its next announce, and a finished peer's first, do not dial.
    expect((await get(path)).status).toBe(200);
    const seed = `/announce?info_hash=${enc(HASH)}&peer_id=${peerId(8)}&port=6888&left=0&compact=1&ip=10.30.0.8`;
    expect((await get(seed)).status).toBe(200);
    expect(calls.length).toBe(1);
  } finally {
    await stop();
  }
});
