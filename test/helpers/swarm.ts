/**
 * A head node on loopback for BitTorrent tests: the test cluster (packed, two nodes) with its
 * frontend at 127.0.0.1, a listening app serving /announce (our tracker) and /torrents, a
 * generated image tree of random data packed by the real packer (tar | zstd, .torrent with our
 * tracker and the web seed), and the head-node seeder on a free port. `stop()` (or `await using`) stops all of
 * it and removes every file.
 */
import { mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { changeCluster } from "../../src/domain/cluster.ts";
import type { OsImageVersion } from "../../src/domain/model.ts";
import { addOsImage } from "../../src/domain/osimage.ts";
import type { Store } from "../../src/domain/store.ts";
import { exec } from "../../src/lib/exec.ts";
import { packImage } from "../../src/pack/pack.ts";
import { createApp } from "../../src/server/app.ts";
import type { PeerOut } from "../../src/torrent/announce.ts";
import { createLunaSeeder } from "../../src/torrent/luna-seeder.ts";
import { createSeeder, type Seeder, type SeederOptions } from "../../src/torrent/seeder.ts";
import { createTracker } from "../../src/torrent/tracker.ts";
import { type TestCluster, testCluster } from "./cluster.ts";

export const silent = { info() {}, warn() {}, error() {} };

export interface Packed {
  version: OsImageVersion;
  /** absolute path of the packed tarball */
  tarball: string;
  torrentUrl: string;
  sha256: string;
}

export interface Swarm extends AsyncDisposable, Packed {
  fx: TestCluster;
  store: Store;
  /** http://127.0.0.1:<port>, the daemon's base URL */
  base: string;
  seeder: Seeder;
  tracker: ReturnType<typeof createTracker>;
  /** pack the image again (new random content): a new version, the old one pruned */
  repack(): Promise<Packed>;
  stop(): Promise<void>;
}

export interface SwarmOptions {
  /** size of the random image tree in MiB (default 64) */
  mib?: number;
  seeder?: Partial<Omit<SeederOptions, "store" | "host" | "log">>;
  /** which head-node seeder: aria2c (default here), or our own peer with or without super-seeding */
  engine?: "aria2c" | "luna" | "luna-plain";
  /** do not start the seeder (a test that starts its own) */
  noSeeder?: boolean;
  /**
   * Serve tarballs over HTTP (default true). false answers 404 for them, so the web seed in the
   * torrent is dead and every byte a client gets comes over BitTorrent from a peer.
   */
  webSeed?: boolean;
  /** false: the tracker does not tell our seeder to dial new leechers (they dial it) */
  dial?: false;
  /** the tracker's head-node seeders (default: the swarm's seeder) */
  seeders?: (infohash: string) => PeerOut[];
}

export async function sha256File(path: string): Promise<string> {
  const h = new Bun.CryptoHasher("sha256");
  for await (const chunk of Bun.file(path).stream()) h.update(chunk);
  return h.digest("hex");
}

/** Writes `mib` MiB of random data in 8 MiB files (plus the kernel the image needs). */
function writeTree(tree: string, mib: number): void {
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(join(tree, "boot"), { recursive: true });
  mkdirSync(join(tree, "data"), { recursive: true });
  writeFileSync(join(tree, "boot", "vmlinuz-6.1"), "kernel");
  const chunk = new Uint8Array(1 << 20);
  for (let left = mib, n = 0; left > 0; n++) {
    const size = Math.min(8, left);
    const buf = new Uint8Array(size << 20);
    for (let off = 0; off < buf.length; off += chunk.length) {
      // getRandomValues fills at most 64 KiB per call
      for (let k = 0; k < chunk.length; k += 65536) crypto.getRandomValues(chunk.subarray(k, k + 65536));
      buf.set(chunk, off);
    }
    writeFileSync(join(tree, "data", `blob${n}`), buf);
    left -= size;
  }
}

export async function startSwarm(o: SwarmOptions = {}): Promise<Swarm> {
  const fx = await testCluster({ frontend: "127.0.0.1", nodes: 2, packed: true });
  const tree = join(fx.dir, "swarm-tree");
  let seeder: Seeder | undefined;
  let server: ReturnType<ReturnType<typeof createApp>["listen"]> | undefined;
  const stop = async () => {
    await seeder?.stop();
    await server?.stop(true);
    await fx[Symbol.asyncDispose]();
  };
  try {
    const own =
      (o.engine ?? "aria2c") === "aria2c"
        ? undefined
        : createLunaSeeder({
            store: fx.store,
            host: "127.0.0.1",
            port: 0,
            log: silent,
            superseed: o.engine === "luna",
            ...o.seeder,
          });
    seeder = own ?? createSeeder({ store: fx.store, host: "127.0.0.1", port: 0, log: silent, ...o.seeder });
    const s = seeder;
    const tracker = createTracker({
      store: fx.store,
      now: () => new Date(),
      seeders: o.seeders ?? ((h) => s.peers(h)),
      log: silent,
      // our own seeder dials a leecher as soon as it announces, as in the daemon
      joined: o.dial === false ? undefined : own?.dial,
    });
    const app = createApp({
      store: fx.store,
      log: silent,
      now: () => new Date(),
      secureInstall: true,
      tracker,
    });
    if (o.webSeed === false)
      app.onRequest(({ request }) =>
        /\/torrents\/.*\.tar(\.zst|\.gz)?$/.test(new URL(request.url).pathname)
          ? new Response("web seed disabled by the test\n", { status: 404 })
          : undefined,
      );
    server = app.listen({ hostname: "127.0.0.1", port: 0 });
    const base = `http://127.0.0.1:${server.server?.port}`;
    await fx.store.write((tx) => changeCluster(tx, { frontend_port: String(server?.server?.port) }));
    await fx.store.write((tx) => addOsImage(tx, { name: "swarm", path: tree, kernels: ["6.1"] }));
    const pack = async (): Promise<Packed> => {
      writeTree(tree, o.mib ?? 64);
      const r = await packImage({ store: fx.store, name: "swarm", compression: "zstd", imageOnly: true });
      if (!r.version) throw new Error("pack made no version");
      const tarball = join(fx.path, "torrents", r.version.tarball);
      return {
        version: r.version,
        tarball,
        torrentUrl: `${base}/torrents/${r.version.torrent}`,
        sha256: await sha256File(tarball),
      };
    };
    const first = await pack();
    if (!o.noSeeder) await seeder.start(() => {});
    return {
      ...first,
      fx,
      store: fx.store,
      base,
      seeder,
      tracker,
      repack: pack,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Polls `cond` every few milliseconds until it holds; fails after `ms`. */
export async function waitFor(
  what: string,
  cond: () => boolean | Promise<boolean>,
  ms = 30_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(25);
  }
}

/** Runs Debian's aria2c as a node does (minus the seeding tail); resolves with its exit code. */
export async function ariaLeech(torrentUrl: string, dir: string, extra: string[] = [], ms = 120_000) {
  const r = await exec(
    [
      "aria2c",
      "--follow-torrent=mem",
      "--seed-time=0",
      "--enable-dht=false",
      "--bt-enable-lpd=false",
      "--enable-peer-exchange=false",
      "--summary-interval=0",
      "--console-log-level=warn",
      "--dir",
      dir,
      ...extra,
      torrentUrl,
    ],
    { timeoutMs: ms },
  );
  return { code: r.code, output: `${r.stdout}\n${r.stderr}`.trim() };
}

/** The seeder's aria2c, found by the peer id on its command line. */
export function seederPid(peerid: string): number | undefined {
  const needle = `--peer-id-prefix=${Buffer.from(peerid, "hex").toString()}`;
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0").includes(needle)) return Number(d);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

export interface Sock {
  proto: string;
  ip: string;
  port: number;
  listening: boolean;
}

/** The sockets a process holds, from /proc/<pid>/fd and /proc/net/{tcp,tcp6,udp,udp6}. */
export function socketsOf(pid: number): Sock[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
    if (m?.[1]) inodes.add(m[1]);
  }
  const out: Sock[] = [];
  for (const proto of ["tcp", "tcp6", "udp", "udp6"]) {
    for (const line of readFileSync(`/proc/net/${proto}`, "utf8").trim().split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (!inodes.has(f[9] ?? "")) continue;
      const [hexIp = "", hexPort = ""] = (f[1] ?? "").split(":");
      const ip =
        hexIp.length === 8
          ? (hexIp.match(/../g) ?? [])
              .reverse()
              .map((b) => Number.parseInt(b, 16))
              .join(".")
          : hexIp === "00000000000000000000000001000000"
            ? "::1"
            : `v6:${hexIp}`;
      out.push({ proto, ip, port: Number.parseInt(hexPort, 16), listening: f[3] === "0A" });
    }
  }
  return out;
}
