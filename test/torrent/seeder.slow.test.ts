/**
 * The head-node seeder against a real packed image, our tracker and real aria2c processes on
 * loopback: where it listens (one address, no UDP), that it hands out its real peer id, that
 * re-packs and removed versions are followed without a restart, that a dead aria2c comes back
 * on the same port, that a missing aria2c is reported once and never fails the daemon, and
 * that the upload limit holds. The web seed is off (404), so downloads prove BitTorrent.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, truncateSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deleteOsImage } from "../../src/domain/osimage.ts";
import { createSeeder } from "../../src/torrent/seeder.ts";
import {
  ariaLeech,
  type Swarm,
  seederPid,
  sha256File,
  socketsOf,
  startSwarm,
  waitFor,
} from "../helpers/swarm.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "luna-seeder-"));

/** A BitTorrent handshake (BEP 3); resolves with the 20-byte peer id the other side sends. */
function handshake(ip: string, port: number, infohash: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: ip, port });
    let got: Buffer = Buffer.alloc(0);
    s.on("error", reject);
    s.on("connect", () => {
      const pstr = Buffer.from("BitTorrent protocol");
      s.write(
        Buffer.concat([
          Buffer.from([pstr.length]),
          pstr,
          Buffer.alloc(8),
          Buffer.from(infohash, "hex"),
          Buffer.from("-TEST01-000000000000"),
        ]),
      );
    });
    s.on("data", (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 68) {
        s.destroy();
        resolve(got.subarray(48, 68).toString("hex"));
      }
    });
    s.on("close", () => reject(new Error("closed before a handshake")));
  });
}

describe("seeder on a packed image", () => {
  let swarm: Swarm;
  beforeAll(async () => {
    swarm = await startSwarm({ mib: 8, webSeed: false, seeder: { rescanMs: 50 } });
  });
  afterAll(async () => {
    await swarm?.stop();
  });

  test("listens only on its host and opens no UDP socket (no DHT, LSD or uTP)", async () => {
    const peer = swarm.seeder.peer();
    expect(peer?.ip).toBe("127.0.0.1");
    const pid = seederPid(peer?.peerid ?? "");
    expect(pid).toBeNumber();
    const socks = socketsOf(pid as number);
    expect(socks.filter((s) => s.proto.startsWith("udp"))).toEqual([]);
    const listeners = socks.filter((s) => s.listening);
    expect(listeners.map((s) => s.port)).toContain(peer?.port as number);
    // the BitTorrent port on the frontend address only; the RPC port on loopback; nothing else
    expect(listeners.filter((s) => s.port === peer?.port).map((s) => s.ip)).toEqual(["127.0.0.1"]);
    expect(listeners.filter((s) => !["127.0.0.1", "::1"].includes(s.ip))).toEqual([]);
    // 127.0.0.2 is loopback too: a socket bound to every address would answer there.
    await expect(handshake("127.0.0.2", peer?.port as number, swarm.version.infohash)).rejects.toThrow();
  });

  test("answers the BitTorrent handshake with the peer id it gives the tracker", async () => {
    const peer = swarm.seeder.peer();
    expect(await handshake("127.0.0.1", peer?.port as number, swarm.version.infohash)).toBe(
      peer?.peerid as string,
    );
    expect(swarm.seeder.peers(swarm.version.infohash)).toEqual([peer as NonNullable<typeof peer>]);
    expect(swarm.seeder.peers("f".repeat(40))).toEqual([]);
  });

  test("announces itself to the torrent's tracker as a complete peer", async () => {
    const peer = swarm.seeder.peer();
    await waitFor("the seeder's announce", async () =>
      (await swarm.store.list("peer")).some(
        (p) =>
          p.infohash === swarm.version.infohash &&
          p.port === peer?.port &&
          p.peerid === peer?.peerid &&
          p.left === 0,
      ),
    );
  });

  test("seeds a re-pack without a restart and drops the version it replaced", async () => {
    const before = swarm.seeder.peer();
    const pid = seederPid(before?.peerid ?? "");
    const old = swarm.version;
    const next = await swarm.repack();
    expect(next.version.version).toBe(old.version + 1);
    await waitFor("the re-pack to be seeded", () => swarm.seeder.peers(next.version.infohash).length === 1);
    await waitFor("the old version to be dropped", () => swarm.seeder.peers(old.infohash).length === 0);
    expect(swarm.seeder.peer()).toEqual(before as NonNullable<typeof before>);
    expect(seederPid(before?.peerid ?? "")).toBe(pid as number);
    const dir = tmp();
    try {
      const r = await ariaLeech(next.torrentUrl, dir);
      expect(r.code, r.output).toBe(0);
      expect(await sha256File(join(dir, next.version.tarball))).toBe(next.sha256);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await swarm.seeder.rescan();
    expect(swarm.seeder.stats()).toMatchObject({ torrents: 1 });
    expect(swarm.seeder.stats().uploaded).toBeGreaterThanOrEqual(next.version.size);
    // aria2c wrote nothing next to the tarballs (no <infohash>.torrent, no .aria2 control file)
    expect(readdirSync(join(swarm.fx.path, "torrents")).sort()).toEqual(
      [next.version.tarball, next.version.torrent, "compute-1.tar.zst"].sort(),
    );
  });

  test("drops every version of a deleted osimage", async () => {
    const h = (await swarm.store.byName("osimage", "swarm"))?.versions[0]?.infohash ?? "";
    expect(swarm.seeder.peers(h)).toHaveLength(1);
    await swarm.store.write((tx) => deleteOsImage(tx, "swarm"));
    await waitFor("the deleted image to be dropped", () => swarm.seeder.stats().torrents === 0);
    expect(swarm.seeder.peers(h)).toEqual([]);
  });
});

test("a killed aria2c comes back on the same port at the next rescan; stop() ends even a hung one", async () => {
  await using swarm = await startSwarm({ mib: 2, seeder: { rescanMs: 50 } });
  const peer = swarm.seeder.peer();
  const pid = seederPid(peer?.peerid ?? "") as number;
  process.kill(pid, "SIGKILL");
  await waitFor("a new aria2c", () => {
    const now = seederPid(peer?.peerid ?? "");
    return now !== undefined && now !== pid && swarm.seeder.peers(swarm.version.infohash).length === 1;
  });
  expect(swarm.seeder.peer()).toEqual(peer as NonNullable<typeof peer>);
  expect(await handshake("127.0.0.1", peer?.port as number, swarm.version.infohash)).toBe(
    peer?.peerid as string,
  );
  const again = seederPid(peer?.peerid ?? "") as number;
  // A hung aria2c (what the fault test does to it) must not hang the daemon's stop.
  process.kill(again, "SIGSTOP");
  await swarm.seeder.stop();
  expect(existsSync(`/proc/${again}`)).toBe(false);
  expect(swarm.seeder.peer()).toBeUndefined();
}, 60_000);

test("without aria2c the seeder logs one clear error and start() still succeeds", async () => {
  await using swarm = await startSwarm({ mib: 1, noSeeder: true });
  const errors: string[] = [];
  const seeder = createSeeder({
    store: swarm.store,
    host: "127.0.0.1",
    port: 0,
    aria2c: "/nonexistent/aria2c",
    rescanMs: 60_000,
    log: { info() {}, warn() {}, error: (m) => errors.push(m) },
  });
  await seeder.start(() => {
    throw new Error("the seeder must not fail the daemon");
  });
  await seeder.rescan();
  await seeder.rescan();
  await seeder.stop();
  // (the fixture's own "compute" version has no .torrent: reported once too)
  expect(errors.sort()).toEqual([
    "Cannot seed an image version: its .torrent is missing",
    "Cannot seed: aria2c not found; install the aria2 package",
  ]);
  expect(seeder.peer()).toBeUndefined();
});

test("a tarball of the wrong size is reported once and not seeded", async () => {
  await using swarm = await startSwarm({ mib: 1, noSeeder: true });
  truncateSync(swarm.tarball, swarm.version.size - 1000);
  const errors: string[] = [];
  const seeder = createSeeder({
    store: swarm.store,
    host: "127.0.0.1",
    port: 0,
    rescanMs: 60_000,
    log: { info() {}, warn() {}, error: (m, f) => errors.push(`${m} ${JSON.stringify(f)}`) },
  });
  await seeder.start(() => {});
  await seeder.rescan();
  await seeder.rescan();
  await seeder.stop();
  expect(errors.filter((e) => e.includes("swarm-1"))).toEqual([
    `Cannot seed an image version: its tarball is missing or has the wrong size {"tarball":"swarm-1.tar.zst","size":${swarm.version.size - 1000},"expected":${swarm.version.size}}`,
  ]);
  expect(seeder.peers(swarm.version.infohash)).toEqual([]);
});

test("the upload limit caps what the seeder sends", async () => {
  const limit = 2 << 20;
  await using swarm = await startSwarm({ mib: 8, webSeed: false, seeder: { uploadLimit: limit } });
  const dir = tmp();
  try {
    const t0 = performance.now();
    const r = await ariaLeech(swarm.torrentUrl, dir);
    const seconds = (performance.now() - t0) / 1000;
    expect(r.code, r.output).toBe(0);
    expect(await sha256File(join(dir, swarm.version.tarball))).toBe(swarm.sha256);
    // 8 MiB at 2 MiB/s is 4 s; allow for aria2c's averaging window at the start.
    expect(seconds).toBeGreaterThan((0.7 * swarm.version.size) / limit);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
