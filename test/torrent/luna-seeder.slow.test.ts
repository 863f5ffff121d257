/**
 * Our own head-node seeder (src/torrent/luna-seeder.ts, peer-server.ts) against Debian's
 * aria2c on loopback (which opens every connection with the encrypted MSE handshake), the web seed answered 404 so every byte comes from the seeder: one
 * leecher, three at once (super-seeding, they trade), plain mode; and hostile connections (an
 * MSE or garbage greeting, an unknown torrent, a request for a piece never announced, an
 * oversized message), after which the seeder still serves.
 */
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { createLunaSeeder } from "../../src/torrent/luna-seeder.ts";
import { encodeHandshake, encodeMessage, MSG } from "../../src/torrent/wire.ts";
import { ariaLeech, sha256File, startSwarm } from "../helpers/swarm.ts";

/**
 * A raw TCP client: sends bytes, collects what comes back until the server closes, `until` holds
 * or `ms` pass. `then` sees everything received so far after each chunk and may answer once.
 */
async function talk(
  port: number,
  send: Uint8Array[],
  ms = 2000,
  then?: (got: Buffer) => Uint8Array[] | undefined,
  until?: (got: Buffer) => boolean,
): Promise<{ got: Buffer; closed: boolean }> {
  const chunks: Buffer[] = [];
  let closed = false;
  let answered = false;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => {
    done = r;
  });
  const sock = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(s, d) {
        chunks.push(Buffer.from(d));
        const got = Buffer.concat(chunks);
        const answer = answered ? undefined : then?.(got);
        if (answer) {
          answered = true;
          for (const b of answer) s.write(b);
        }
        if (until?.(got)) done();
      },
      close() {
        closed = true;
        done();
      },
      error() {
        done();
      },
    },
  });
  for (const b of send) sock.write(b);
  const timer = setTimeout(done, ms);
  await finished;
  clearTimeout(timer);
  sock.end();
  return { got: Buffer.concat(chunks), closed };
}

/** The message ids in a stream that starts after a 68-byte handshake. */
function ids(b: Buffer): number[] {
  const out: number[] = [];
  for (let at = 68; at + 4 <= b.length; ) {
    const len = b.readUInt32BE(at);
    if (len > 0 && at + 4 < b.length) out.push(b[at + 4] as number);
    at += 4 + len;
  }
  return out;
}

test("aria2c downloads a packed image from our seeder alone, and three leechers at once trade", async () => {
  // dial: false, so that aria2c opens the connections (with the encrypted handshake)
  await using swarm = await startSwarm({ mib: 16, webSeed: false, engine: "luna", dial: false });
  const dir = mkdtempSync(join(tmpdir(), "luna-lseed-"));
  try {
    const one = await ariaLeech(swarm.torrentUrl, join(dir, "one"));
    expect(one.code, one.output).toBe(0);
    expect(await sha256File(join(dir, "one", swarm.version.tarball))).toBe(swarm.sha256);
    const before = swarm.seeder.stats().uploaded;
    expect(before).toBeGreaterThanOrEqual(swarm.version.size);
    // aria2c opens with the encrypted handshake; the seeder answered it (plaintext selected)
    expect(swarm.seeder.stats().mseHandshakes).toBeGreaterThanOrEqual(1);

    const three = await Promise.all(
      ["a", "b", "c"].map((n) => ariaLeech(swarm.torrentUrl, join(dir, n), ["--seed-time=0.2"])),
    );
    for (const r of three) expect(r.code, r.output).toBe(0);
    for (const n of ["a", "b", "c"])
      expect(await sha256File(join(dir, n, swarm.version.tarball))).toBe(swarm.sha256);
    expect(swarm.seeder.stats().uploaded - before).toBeGreaterThanOrEqual(swarm.version.size);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);

test("plain seeding (luna-plain) announces everything and serves a leecher", async () => {
  await using swarm = await startSwarm({ mib: 8, webSeed: false, engine: "luna-plain" });
  const dir = mkdtempSync(join(tmpdir(), "luna-lseed-"));
  try {
    const r = await ariaLeech(swarm.torrentUrl, join(dir, "x"));
    expect(r.code, r.output).toBe(0);
    expect(await sha256File(join(dir, "x", swarm.version.tarball))).toBe(swarm.sha256);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

test("hostile connections are closed or refused, and the seeder keeps serving", async () => {
  await using swarm = await startSwarm({ mib: 4, webSeed: false, engine: "luna" });
  const port = swarm.seeder.peer()?.port as number;
  const me = new TextEncoder().encode("-XX0000-hostile00000");

  // Garbage that looks like an MSE start but never syncs: closed once past the padding limit.
  expect((await talk(port, [crypto.getRandomValues(new Uint8Array(2048))])).closed).toBe(true);
  // A torrent this seeder does not serve: closed without a handshake back.
  const unknown = await talk(port, [encodeHandshake("ff".repeat(20), me)]);
  expect(unknown.closed).toBe(true);
  expect(unknown.got.length).toBe(0);

  // A real handshake: HAVE_NONE and a few offers (HAVE), never the whole image; no UNCHOKE
  // before the peer says it is interested.
  const hello = await talk(port, [encodeHandshake(swarm.version.infohash, me)], 500);
  expect(hello.got.subarray(0, 20).toString("latin1")).toBe("\x13BitTorrent protocol");
  const got = ids(hello.got);
  expect(got[0]).toBe(MSG.haveNone);
  expect(got).not.toContain(MSG.unchoke);
  const haves = got.filter((i) => i === MSG.have).length;
  expect(haves).toBeGreaterThanOrEqual(2);
  expect(haves).toBeLessThan(10);

  // The same client on a second connection while the first is open (it dialled back after we
  // dialled it): a handshake back, no offers on the twin.
  const first = Promise.withResolvers<void>();
  let firstGot = Buffer.alloc(0);
  const held = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_s, d) {
        firstGot = Buffer.concat([firstGot, d]);
        if (ids(firstGot).includes(MSG.have)) first.resolve();
      },
    },
  });
  held.write(encodeHandshake(swarm.version.infohash, me));
  await first.promise;
  const twin = await talk(port, [encodeHandshake(swarm.version.infohash, me)], 500);
  expect(twin.got.subarray(0, 20).toString("latin1")).toBe("\x13BitTorrent protocol");
  expect(ids(twin.got)).toEqual([]);
  held.end();

  // A request for a piece never announced on this connection: REJECT_REQUEST, no data.
  const pieces = Math.ceil(swarm.version.size / (64 * 1024));
  const rejected = await talk(
    port,
    [encodeHandshake(swarm.version.infohash, me)],
    10_000,
    (got) => {
      const offered = new Set<number>();
      for (let at = 68; at + 9 <= got.length; at += 4 + got.readUInt32BE(at))
        if (got[at + 4] === MSG.have) offered.add(got.readUInt32BE(at + 5));
      if (offered.size === 0) return undefined; // wait for the offers
      const never = [...Array(pieces).keys()].find((i) => !offered.has(i)) as number;
      return [encodeMessage(MSG.interested), encodeMessage(MSG.request, never, 0, 16384)];
    },
    (got) => ids(got).includes(MSG.reject),
  );
  expect(ids(rejected.got)).toContain(MSG.unchoke);
  expect(ids(rejected.got)).toContain(MSG.reject);
  expect(ids(rejected.got)).not.toContain(MSG.piece);

  // A message claiming 2 GiB: closed.
  const huge = Buffer.alloc(5);
  huge.writeUInt32BE(0x7fffffff, 0);
  expect((await talk(port, [encodeHandshake(swarm.version.infohash, me), huge])).closed).toBe(true);

  // After all that, a real client still gets the image.
  const dir = mkdtempSync(join(tmpdir(), "luna-lseed-"));
  try {
    const r = await ariaLeech(swarm.torrentUrl, join(dir, "ok"));
    expect(r.code, r.output).toBe(0);
    expect(await sha256File(join(dir, "ok", swarm.version.tarball))).toBe(swarm.sha256);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

test("the seeder dials a leecher as soon as it announces: handshake first, once a minute per address", async () => {
  await using swarm = await startSwarm({ mib: 4, webSeed: false, engine: "luna" });
  const seeder = swarm.seeder as ReturnType<typeof createLunaSeeder>;
  const infohash = swarm.version.infohash;
  // A fake leecher: counts connections, answers with another torrent's handshake.
  let conns = 0;
  let got = Buffer.alloc(0);
  const hello = Promise.withResolvers<Buffer>();
  const closed = Promise.withResolvers<void>();
  const fake = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open() {
        conns++;
      },
      data(s, d) {
        got = Buffer.concat([got, d]);
        if (got.length < 68) return;
        hello.resolve(got);
        s.write(encodeHandshake("ee".repeat(20), new TextEncoder().encode("-XX0000-notthesame00")));
      },
      close() {
        closed.resolve();
      },
    },
  });
  try {
    seeder.dial("ff".repeat(20), "127.0.0.1", fake.port); // a torrent it does not serve: no dial
    seeder.dial(infohash, "127.0.0.1", fake.port);
    seeder.dial(infohash, "127.0.0.1", fake.port); // the same address within the minute: no dial
    const hs = await hello.promise;
    expect(hs.subarray(0, 20).toString("latin1")).toBe("\x13BitTorrent protocol");
    expect(hs.subarray(28, 48).toString("hex")).toBe(infohash);
    await closed.promise; // the answer named another torrent: closed
    expect(conns).toBe(1);
    expect(seeder.stats().dialled).toBe(0);
  } finally {
    fake.stop(true);
  }
  // A port nothing listens on: the failed dial is harmless.
  const gone = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  gone.stop(true);
  seeder.dial(infohash, "127.0.0.1", gone.port);

  // A real aria2c announcing through the tracker is dialled, and downloads the image.
  const dir = mkdtempSync(join(tmpdir(), "luna-lseed-"));
  try {
    const r = await ariaLeech(swarm.torrentUrl, join(dir, "dialled"));
    expect(r.code, r.output).toBe(0);
    expect(await sha256File(join(dir, "dialled", swarm.version.tarball))).toBe(swarm.sha256);
    expect(seeder.stats().dialled).toBeGreaterThanOrEqual(1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
