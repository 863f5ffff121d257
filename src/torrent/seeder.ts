/**
 * The aria2c seeder (`daemon.seeder = "aria2c"`): seeds every packed version of every osimage
 * from one aria2c process bound to one address and port, and follows the store (a rescan adds
 * new packs and drops removed versions without a restart). aria2c runs in its own process at a
 * third of a JavaScript peer's CPU per byte, and seeds without hashing first
 * (`--bt-seed-unverified`). Measurements: docs/benchmarks.md, "Head-node seeder".
 */
import { join } from "node:path";
import type { Store } from "../domain/store.ts";
import type { Logger } from "../lib/logger.ts";
import type { PeerOut } from "./announce.ts";
import { type Aria2, freePort, startAria2 } from "./aria2.ts";
import { onceReporter, seedableVersions, seederPeerId } from "./versions.ts";

export interface SeederOptions {
  store: Store;
  /** the only address the seeder binds (listening and outgoing): the frontend address */
  host: string;
  /** BitTorrent port; 0 = any free port; unset = the first free port of the cluster's range */
  port?: number;
  /** bytes/s for all torrents together; 0 or unset = unlimited */
  uploadLimit?: number;
  /** how often the store is rescanned for new and removed versions (default 5000 ms) */
  rescanMs?: number;
  /** the aria2c executable (default: aria2c from PATH) */
  aria2c?: string;
  log: Logger;
}

export interface SeederStats {
  /** bytes uploaded since start, over every torrent (also the ones since removed) */
  uploaded: number;
  torrents: number;
  /** connected peers, over every torrent */
  peers: number;
  /** connections that began with the encrypted (MSE) handshake (our own seeder only) */
  mseHandshakes?: number;
  /** connections it dialled to a leecher that had just announced, handshake done (ours only) */
  dialled?: number;
  /** bytes uploaded per info-hash of a torrent served now */
  byInfohash?: Record<string, number>;
}

interface Seeding {
  gid: string;
  infohash: string;
  uploaded: number;
}

interface Status {
  status: string;
  uploadLength: string;
  connections: string;
  errorMessage?: string;
}

export function createSeeder(o: SeederOptions) {
  const peerId = seederPeerId();
  const seeding = new Map<string, Seeding>(); // by torrent file name
  const broken = new Set<string>(); // versions aria2c refused
  let engine: Aria2 | undefined;
  let address: PeerOut | undefined;
  let stopped = true;
  let timer: ReturnType<typeof setInterval> | undefined;
  let scanning: Promise<void> | undefined;
  let uploadedGone = 0;
  let stats: SeederStats = { uploaded: 0, torrents: 0, peers: 0 };
  let scanError = "";
  const reports = onceReporter(o.log);
  const fail = reports.fail;

  async function ensureEngine(range: [number, number] | undefined): Promise<Aria2 | undefined> {
    if (engine) return engine;
    const configured =
      o.port !== undefined
        ? [o.port]
        : range
          ? Array.from({ length: range[1] - range[0] + 1 }, (_, i) => range[0] + i)
          : [0];
    // After a crash, take the same port again if we can: peers and the tracker know it.
    const port = freePort(o.host, address ? [address.port, ...configured] : configured);
    const rpcPort = freePort("127.0.0.1", [0]);
    if (port === undefined || rpcPort === undefined) {
      fail("Cannot seed: no free port to bind", { host: o.host, ports: o.port ?? range });
      return undefined;
    }
    try {
      const started = await startAria2({
        host: o.host,
        port,
        rpcPort,
        peerId,
        uploadLimit: o.uploadLimit ?? 0,
        aria2c: o.aria2c,
      });
      engine = started;
      address = { ip: o.host, port, peerid: Buffer.from(peerId).toString("hex") };
      o.log.info("seeder listening", { address: `${o.host}:${port}` });
      started.proc.exited.then((code) => {
        if (engine !== started) return;
        engine = undefined;
        for (const s of seeding.values()) uploadedGone += s.uploaded;
        seeding.clear();
        if (!stopped)
          o.log.error("aria2c seeder exited; restarting it at the next rescan", {
            code,
            output: started.tail(),
          });
      });
      return started;
    } catch (e) {
      const missing = (e as NodeJS.ErrnoException).code === "ENOENT";
      fail(missing ? "Cannot seed: aria2c not found; install the aria2 package" : "Cannot start aria2c", {
        error: String(e),
      });
      return undefined;
    }
  }

  async function scan(): Promise<void> {
    const cluster = await o.store.byName("cluster", "general");
    if (!cluster || stopped) return;
    const dir = join(cluster.path, "torrents");
    const wanted = new Map(
      [...(await seedableVersions(o.store, dir, fail))].map(([k, v]) => [k, v.infohash] as const),
    );
    if (wanted.size === 0 && !engine) return;
    const aria = await ensureEngine([cluster.torrent_listen_port_min, cluster.torrent_listen_port_max]);
    if (!aria || stopped) return;
    for (const [key, s] of seeding) {
      if (wanted.get(key) === s.infohash) continue;
      await aria.call("aria2.forceRemove", s.gid).catch(() => {});
      await aria.call("aria2.removeDownloadResult", s.gid).catch(() => {});
      seeding.delete(key);
      uploadedGone += s.uploaded;
      o.log.info("stopped seeding a removed image version", { torrent: key });
    }
    for (const key of broken) if (!wanted.has(key)) broken.delete(key);
    for (const [key, infohash] of wanted) {
      if (seeding.has(key) || broken.has(key)) continue;
      const torrent = Buffer.from(await Bun.file(join(dir, key)).arrayBuffer()).toString("base64");
      const gid = await aria.call<string>("aria2.addTorrent", torrent, [], { dir });
      seeding.set(key, { gid, infohash, uploaded: 0 });
      o.log.info("seeding", { torrent: key, infohash, address: `${o.host}:${address?.port}` });
    }
    await refreshStats(aria);
  }

  async function refreshStats(aria: Aria2): Promise<void> {
    const keys = ["status", "uploadLength", "connections", "errorMessage"];
    let peers = 0;
    for (const [key, s] of seeding) {
      const st = await aria.call<Status>("aria2.tellStatus", s.gid, keys);
      if (st.status !== "active" && st.status !== "waiting") {
        // aria2c gave up on it: the tarball vanished or does not match its torrent.
        fail("Cannot seed an image version", { torrent: key, error: st.errorMessage ?? st.status });
        await aria.call("aria2.removeDownloadResult", s.gid).catch(() => {});
        seeding.delete(key);
        broken.add(key); // not again until the version goes (a re-pack is a new version)
      }
      s.uploaded = Number(st.uploadLength);
      if (!seeding.has(key)) uploadedGone += s.uploaded;
      peers += Number(st.connections);
    }
    const uploaded = uploadedGone + [...seeding.values()].reduce((n, s) => n + s.uploaded, 0);
    const byInfohash = Object.fromEntries([...seeding.values()].map((s) => [s.infohash, s.uploaded]));
    stats = { uploaded, torrents: seeding.size, peers, byInfohash };
  }

  const rescan = (): Promise<void> => {
    scanning ??= scan()
      .then(() => {
        scanError = "";
      })
      .catch((e) => {
        // once per failure, not every few seconds while aria2c hangs
        if (String(e) !== scanError) o.log.warn("seeder scan failed", { error: String(e) });
        scanError = String(e);
      })
      .finally(() => {
        reports.endScan();
        scanning = undefined;
      });
    return scanning;
  };

  return {
    name: "seeder" as const,
    /** Never fails the daemon: a node still finishes from its peers and the web seed. */
    async start(_failed?: (e: unknown) => void): Promise<void> {
      stopped = false;
      await rescan();
      timer = setInterval(rescan, o.rescanMs ?? 5000);
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearInterval(timer);
      await scanning;
      const e = engine;
      engine = undefined;
      address = undefined;
      seeding.clear();
      await e?.close();
    },
    /** Rescan the store now (after a pack, or in tests); resolves when done. */
    rescan,
    /** Where the seeder listens, for the tracker to return always; undefined when not running. */
    peer: (): PeerOut | undefined => (engine ? address : undefined),
    /** The seeder as a peer of this torrent (none when it does not seed it), for the tracker. */
    peers(infohash?: string): PeerOut[] {
      const mine = !infohash || [...seeding.values()].some((s) => s.infohash === infohash);
      return engine && address && mine ? [address] : [];
    },
    /** Counters as of the last rescan. */
    stats: (): SeederStats => ({ ...stats }),
  };
}

export type Seeder = ReturnType<typeof createSeeder>;
