/**
 * The head node's seeder: every packed image version is seeded by an aria2c process bound to
 * the configured address, on a port from the cluster's torrent port range. Why aria2c and not
 * webtorrent (the stack's first choice): webtorrent's listener cannot be bound to one address
 * (its connection pool listens on every interface), its dependency tree runs a pnpm-only
 * preinstall that fails under npm, and a JavaScript client costs CPU the daemon needs for the
 * control plane; aria2c is already what every node runs, and it seeds from the packed file
 * without re-hashing it (--bt-seed-unverified). New packs are picked up by a rescan of the
 * store; versions that disappear are stopped.
 */
import { join } from "node:path";
import type { Store } from "../domain/store.ts";
import type { PeerOut } from "./announce.ts";

export interface SeederOptions {
  store: Store;
  host: string;
  /** bytes/s for all seeding together; 0 = unlimited */
  uploadLimit?: number;
  rescanMs?: number;
  aria2c?: string;
  log: {
    info(m: string, f?: Record<string, unknown>): void;
    warn(m: string, f?: Record<string, unknown>): void;
  };
}

interface Seeding {
  key: string;
  infohash: string;
  port: number;
  proc: ReturnType<typeof Bun.spawn>;
}

export const SEEDER_PEER_ID_PREFIX = "-LUNA1-";

export function createSeeder(o: SeederOptions) {
  const running = new Map<string, Seeding>();
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopped = false;
  let scanning: Promise<void> | undefined;

  const freePort = (min: number, max: number): number | undefined => {
    const used = new Set([...running.values()].map((s) => s.port));
    for (let p = min; p <= max; p++) if (!used.has(p)) return p;
    return undefined;
  };

  function launch(key: string, infohash: string, torrentFile: string, dir: string, port: number): Seeding {
    const limit = o.uploadLimit && o.uploadLimit > 0 ? [`--max-overall-upload-limit=${o.uploadLimit}`] : [];
    const proc = Bun.spawn(
      [
        o.aria2c ?? "aria2c",
        `--dir=${dir}`,
        `--listen-port=${port}`,
        `--interface=${o.host}`,
        "--bt-seed-unverified=true",
        "--check-integrity=false",
        "--seed-ratio=0.0",
        "--enable-dht=false",
        "--enable-dht6=false",
        "--bt-enable-lpd=false",
        "--enable-peer-exchange=false",
        "--bt-max-peers=200",
        "--bt-tracker-interval=5",
        `--peer-id-prefix=${SEEDER_PEER_ID_PREFIX}`,
        "--file-allocation=none",
        "--summary-interval=0",
        "--console-log-level=warn",
        "--quiet=true",
        ...limit,
        torrentFile,
      ],
      { stdout: "ignore", stderr: "pipe" },
    );
    proc.exited.then((code) => {
      if (!stopped && running.get(key)?.proc === proc) {
        running.delete(key);
        o.log.warn("seeder process exited; it will be restarted on the next scan", { torrent: key, code });
      }
    });
    return { key, infohash, port, proc };
  }

  async function scan(): Promise<void> {
    const cluster = await o.store.byName("cluster", "general");
    if (!cluster) return;
    const torrents = join(cluster.path, "torrents");
    const wanted = new Map<string, string>();
    for (const image of await o.store.list("osimage"))
      for (const v of image.versions) wanted.set(v.torrent, v.infohash);
    for (const [key, s] of running) {
      if (!wanted.has(key)) {
        running.delete(key);
        s.proc.kill("SIGTERM");
        o.log.info("stopped seeding a removed image version", { torrent: key });
      }
    }
    for (const [key, infohash] of wanted) {
      if (running.has(key) || stopped) continue;
      const file = join(torrents, key);
      if (!(await Bun.file(file).exists())) continue;
      const port = freePort(cluster.torrent_listen_port_min, cluster.torrent_listen_port_max);
      if (port === undefined) {
        o.log.warn("no free seeder port left in the cluster's torrent port range", { torrent: key });
        continue;
      }
      running.set(key, launch(key, infohash, file, torrents, port));
      o.log.info("seeding", { torrent: key, infohash, address: `${o.host}:${port}` });
    }
  }

  const rescan = () => {
    scanning ??= scan()
      .catch((e) => o.log.warn("seeder scan failed", { error: String(e) }))
      .finally(() => {
        scanning = undefined;
      });
    return scanning;
  };

  return {
    name: "seeder",
    async start() {
      stopped = false;
      await rescan();
      timer = setInterval(rescan, o.rescanMs ?? 5000);
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await scanning;
      const procs = [...running.values()].map((s) => s.proc);
      running.clear();
      for (const p of procs) p.kill("SIGTERM");
      await Promise.all(procs.map((p) => p.exited));
    },
    /** Rescan now (after a pack, or in tests). */
    rescan,
    /** The head node's seeders, for the tracker to return first. */
    peers(infohash?: string): PeerOut[] {
      return [...running.values()]
        .filter((s) => !infohash || s.infohash === infohash)
        .map((s) => ({
          ip: o.host,
          port: s.port,
          peerid: Buffer.from(`${SEEDER_PEER_ID_PREFIX}${s.port}`.padEnd(20, "0")).toString("hex"),
        }));
    },
    stats: () => ({ torrents: running.size }),
  };
}

export type Seeder = ReturnType<typeof createSeeder>;
