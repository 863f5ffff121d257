/**
 * Compatibility on loopback: a webtorrent client (as a leecher, web seeds off, so every byte
 * comes over the BitTorrent protocol from our seeder) and Debian's stock aria2c both complete a
 * packed image against our tracker and the head-node seeder, and both copies hash like the
 * packed file.
 */
import { expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebTorrent from "webtorrent";
import { changeCluster } from "../../src/domain/cluster.ts";
import { addOsImage } from "../../src/domain/osimage.ts";
import { packImage } from "../../src/pack/pack.ts";
import { createApp } from "../../src/server/app.ts";
import { createSeeder } from "../../src/torrent/seeder.ts";
import { createTracker } from "../../src/torrent/tracker.ts";
import { clusterFixture } from "../helpers/cluster-fixture.ts";

const silent = { info() {}, warn() {}, error() {} };
const sha256 = async (path: string) =>
  new Bun.CryptoHasher("sha256").update(await Bun.file(path).arrayBuffer()).digest("hex");

test("webtorrent and Debian aria2c both complete against our tracker and seeder", async () => {
  await using fx = await clusterFixture({ frontend: "127.0.0.1" });
  const dir = mkdtempSync(join(tmpdir(), "luna-compat-"));
  const seeder = createSeeder({ store: fx.store, host: "127.0.0.1", log: silent, rescanMs: 60_000 });
  const tracker = createTracker({
    store: fx.store,
    now: () => new Date(),
    seeders: (h) => seeder.peers(h),
    log: silent,
  });
  const server = createApp({
    store: fx.store,
    log: silent,
    now: () => new Date(),
    secureInstall: true,
    tracker,
  }).listen({ hostname: "127.0.0.1", port: 0 });
  const client = new WebTorrent({
    dht: false,
    lsd: false,
    utp: false,
    natUpnp: false,
    natPmp: false,
    webSeeds: false,
    tracker: {},
  });
  try {
    await fx.store.write((tx) => changeCluster(tx, { frontend_port: String(server.server?.port) }));
    const tree = join(dir, "tree");
    mkdirSync(join(tree, "boot"), { recursive: true });
    writeFileSync(join(tree, "boot", "vmlinuz-6.1"), "k");
    writeFileSync(join(tree, "payload"), crypto.getRandomValues(new Uint8Array(12 * 1024 * 1024)));
    await fx.store.write((tx) => addOsImage(tx, { name: "compat", path: tree, kernels: ["6.1"] }));
    const packed = await packImage({ store: fx.store, name: "compat", compression: "none", imageOnly: true });
    const version = packed.version!;
    const tarball = join(fx.path, "torrents", version.tarball);
    const torrentFile = join(fx.path, "torrents", version.torrent);
    await seeder.start();
    expect(seeder.peers(version.infohash)).toHaveLength(1);
    const want = await sha256(tarball);

    const wtDir = join(dir, "wt");
    const done = new Promise<void>((resolve, reject) => {
      client.on("error", reject);
      client.add(
        new Uint8Array(readFileSync(torrentFile)),
        { path: wtDir, strategy: "sequential" },
        (t: { on(e: string, f: () => void): void }) => t.on("done", () => resolve()),
      );
    });
    const timeout = setTimeout(() => client.destroy(), 90_000);
    await done;
    clearTimeout(timeout);
    expect(await sha256(join(wtDir, version.tarball))).toBe(want);

    const ariaDir = join(dir, "aria");
    const aria = Bun.spawn(
      [
        "aria2c",
        "--dir",
        ariaDir,
        "--seed-time=0",
        "--enable-dht=false",
        "--bt-enable-lpd=false",
        "--enable-peer-exchange=false",
        "--summary-interval=0",
        "--quiet=true",
        torrentFile,
      ],
      { stdout: "ignore", stderr: "pipe" },
    );
    const killer = setTimeout(() => aria.kill(), 90_000);
    expect(await aria.exited).toBe(0);
    clearTimeout(killer);
    expect(await sha256(join(ariaDir, version.tarball))).toBe(want);
  } finally {
    await new Promise((r) => client.destroy(r));
    await seeder.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
