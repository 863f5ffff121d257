/**
 * The head node's seeder as a peer of our own (peer-server.ts) inside the daemon, with
 * super-seeding: the head node sends each piece once before it sends any twice, and the nodes
 * trade the rest (docs/benchmarks.md, "Boot storm"). The same service interface as the aria2c
 * seeder (seeder.ts), which stays selectable (`seeder = "aria2c"` under [daemon] in luna.conf,
 * or LUNA_SEEDER=aria2c): it follows the store, serving new packed versions and dropping
 * removed ones without a restart.
 */
import { join } from "node:path";
import bencode from "bencode";
import type { PeerOut } from "./announce.ts";
import { createPeerServer, type PeerServer } from "./peer-server.ts";
import type { SeederOptions, SeederStats } from "./seeder.ts";
import { onceReporter, seedableVersions, seederPeerId } from "./versions.ts";

export interface LunaSeederOptions extends Omit<SeederOptions, "aria2c" | "uploadLimit"> {
  /** false: plain seeding, every piece announced at once (for comparison) */
  superseed?: boolean;
}

/** The piece length and total length of a single-file .torrent, or an error message. */
function torrentShape(bytes: Uint8Array): { pieceLength: number; length: number } | string {
  try {
    const meta = bencode.decode(bytes) as { info?: { "piece length"?: unknown; length?: unknown } };
    const pieceLength = meta.info?.["piece length"];
    const length = meta.info?.length;
    if (typeof pieceLength !== "number" || typeof length !== "number" || pieceLength <= 0)
      return "not a single-file torrent";
    return { pieceLength, length };
  } catch (e) {
    return `unreadable: ${String(e)}`;
  }
}

export function createLunaSeeder(o: LunaSeederOptions) {
  const peerId = Buffer.from(seederPeerId());
  let server: PeerServer | undefined;
  let stopped = true;
  let timer: ReturnType<typeof setInterval> | undefined;
  let scanning: Promise<void> | undefined;
  const serving = new Map<string, string>(); // torrent file name → infohash
  const reports = onceReporter(o.log);
  const fail = reports.fail;

  function listen(range: [number, number]): PeerServer | undefined {
    const ports =
      o.port !== undefined
        ? [o.port]
        : Array.from({ length: range[1] - range[0] + 1 }, (_, i) => range[0] + i);
    for (const port of ports) {
      try {
        const onSpread = (infohash: string, uploaded: number) =>
          o.log.info("every piece is on some node: plain seeding", { infohash, uploaded });
        const s = createPeerServer({ host: o.host, port, peerId, superseed: o.superseed, onSpread });
        o.log.info("seeder listening", { address: `${o.host}:${s.port}`, superseed: o.superseed !== false });
        return s;
      } catch {
        // in use, or the address is not ours
      }
    }
    fail("Cannot seed: no free port to bind", { host: o.host, ports: o.port ?? range });
    return undefined;
  }

  async function scan(): Promise<void> {
    const cluster = await o.store.byName("cluster", "general");
    if (!cluster || stopped) return;
    const dir = join(cluster.path, "torrents");
    const wanted = await seedableVersions(o.store, dir, fail);
    if (wanted.size === 0 && !server) return;
    server ??= listen([cluster.torrent_listen_port_min, cluster.torrent_listen_port_max]);
    if (!server) return;
    for (const [key, infohash] of serving) {
      if (wanted.get(key)?.infohash === infohash) continue;
      server.remove(infohash);
      serving.delete(key);
      o.log.info("stopped seeding a removed image version", { torrent: key });
    }
    for (const [key, v] of wanted) {
      if (serving.has(key)) continue;
      const shape = torrentShape(await Bun.file(join(dir, key)).bytes());
      if (typeof shape === "string" || shape.length !== v.size) {
        fail("Cannot seed an image version: its .torrent does not describe its tarball", {
          torrent: key,
          error: typeof shape === "string" ? shape : `length ${shape.length}, tarball ${v.size}`,
        });
        continue;
      }
      server.add({ infohash: v.infohash, path: join(dir, v.tarball), ...shape });
      serving.set(key, v.infohash);
      o.log.info("seeding", { torrent: key, infohash: v.infohash, address: `${o.host}:${server.port}` });
    }
  }

  const rescan = (): Promise<void> => {
    scanning ??= scan()
      .catch((e) => o.log.warn("seeder scan failed", { error: String(e) }))
      .finally(() => {
        reports.endScan();
        scanning = undefined;
      });
    return scanning;
  };

  const address = (): PeerOut | undefined =>
    server ? { ip: o.host, port: server.port, peerid: peerId.toString("hex") } : undefined;

  return {
    name: "seeder" as const,
    /** Never fails the daemon: a stalled swarm falls back to the web seed. */
    async start(_failed?: (e: unknown) => void): Promise<void> {
      stopped = false;
      await rescan();
      timer = setInterval(rescan, o.rescanMs ?? 5000);
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearInterval(timer);
      await scanning;
      server?.close();
      server = undefined;
      serving.clear();
    },
    rescan,
    /** dials a leecher that just announced (tracker `joined`); settles once it is through */
    dial(infohash: string, ip: string, port: number): Promise<void> {
      return server?.dial(infohash, ip, port) ?? Promise.resolve();
    },
    peer: address,
    peers(infohash?: string): PeerOut[] {
      const a = address();
      return a && (!infohash || server?.has(infohash)) ? [a] : [];
    },
    stats: (): SeederStats => server?.stats() ?? { uploaded: 0, torrents: 0, peers: 0 },
  };
}
