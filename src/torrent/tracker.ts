/**
 * The BitTorrent tracker inside the daemon (`/announce`, `/scrape`). Peers are kept in the
 * store, so several head nodes sharing one MongoDB see one swarm; each daemon reads them into
 * a view at most once a second, so a storm of announces costs one store write each and no
 * scans. Only info-hashes of packed image versions are tracked; the head node's seeder is
 * always among the peers returned; peers behind the requester's own switch come first.
 */
import type { Peer } from "../domain/model.ts";
import { newId, type Store } from "../domain/store.ts";
import {
  type Announce,
  bencodeBody,
  encodePeers,
  failure,
  type PeerOut,
  parseAnnounce,
  parseScrape,
  scrapeBody,
} from "./announce.ts";

export interface TrackerOptions {
  store: Store;
  now: () => Date;
  /** head-node seeders of a torrent, always returned */
  seeders: (infohash: string) => PeerOut[];
  log: { warn(msg: string, f?: Record<string, unknown>): void };
}

interface View {
  at: number;
  peers: Map<string, Peer>;
  known: Set<string>;
  interval: number;
  minInterval: number;
  maxPeers: number;
  /** address → switch id, from nodes' addresses */
  switchOf: Map<string, string>;
}

const keyOf = (a: { infohash: string; ip: string; port: number }) => `${a.infohash}/${a.ip}/${a.port}`;
const reply = (body: Uint8Array, status = 200) =>
  new Response(body, { status, headers: { "content-type": "text/plain" } });

export function createTracker(o: TrackerOptions) {
  let view: View | undefined;
  let loading: Promise<View> | undefined;
  const stats = { announces: 0, refused: 0, scrapes: 0 };

  const load = async (): Promise<View> => {
    const cluster = await o.store.byName("cluster", "general");
    const known = new Set<string>();
    for (const img of await o.store.list("osimage")) for (const v of img.versions) known.add(v.infohash);
    const switchOf = new Map<string, string>();
    for (const n of await o.store.list("node")) {
      if (!n.switch) continue;
      for (const ips of Object.values(n.interfaces)) if (ips.ip4) switchOf.set(ips.ip4, n.switch);
      if (n.bootip) switchOf.set(n.bootip, n.switch);
    }
    const interval = cluster?.tracker_interval ?? 10;
    const horizon = o.now().getTime() - (2 * interval + 5) * 1000;
    const peers = new Map<string, Peer>();
    const stale: Peer[] = [];
    for (const p of await o.store.list("peer")) {
      if (Date.parse(p.updated) >= horizon) peers.set(p.name, p);
      else if (Date.parse(p.updated) < horizon - 3600_000) stale.push(p);
    }
    // Peers silent for an hour are gone for good: drop them so the table stays small.
    if (stale.length > 0) {
      await o.store.write(async (tx) => {
        for (const p of stale) await tx.remove("peer", p.id);
      });
    }
    return {
      at: Date.now(),
      peers,
      known,
      interval,
      minInterval: cluster?.tracker_min_interval ?? 5,
      maxPeers: cluster?.tracker_maxpeers ?? 200,
      switchOf,
    };
  };

  const current = async (): Promise<View> => {
    if (view && Date.now() - view.at < 1000) return view;
    loading ??= load().finally(() => {
      loading = undefined;
    });
    view = await loading;
    return view;
  };

  async function record(a: Announce, ip: string): Promise<Peer> {
    const name = keyOf({ infohash: a.infohash, ip, port: a.port });
    const peer: Peer = {
      id: newId(),
      name,
      infohash: a.infohash,
      ip,
      port: a.port,
      peerid: a.peerid,
      uploaded: a.uploaded,
      downloaded: a.downloaded,
      left: a.left,
      event: a.event,
      updated: o.now().toISOString(),
    };
    await o.store.write(async (tx) => {
      const old = await tx.byName("peer", name);
      if (a.event === "stopped") {
        if (old) await tx.remove("peer", old.id);
      } else if (old) {
        await tx.update("peer", { ...peer, id: old.id });
      } else {
        await tx.insert("peer", peer);
      }
    });
    return peer;
  }

  function pick(v: View, a: Announce, ip: string): PeerOut[] {
    const horizon = o.now().getTime() - (2 * v.interval + 5) * 1000;
    const mySwitch = v.switchOf.get(ip);
    const others = [...v.peers.values()].filter(
      (p) =>
        p.infohash === a.infohash && !(p.ip === ip && p.port === a.port) && Date.parse(p.updated) >= horizon,
    );
    // Shuffle, then stable-sort same-switch peers first: the load spreads and stays local.
    for (let i = others.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [others[i], others[j]] = [others[j] as Peer, others[i] as Peer];
    }
    if (mySwitch)
      others.sort(
        (x, y) => Number(v.switchOf.get(y.ip) === mySwitch) - Number(v.switchOf.get(x.ip) === mySwitch),
      );
    const seeders = o.seeders(a.infohash).filter((s) => !(s.ip === ip && s.port === a.port));
    const seederKeys = new Set(seeders.map((s) => `${s.ip}:${s.port}`));
    const rest = others.filter((p) => !seederKeys.has(`${p.ip}:${p.port}`));
    return [...seeders, ...rest.slice(0, Math.max(0, a.numwant - seeders.length))];
  }

  return {
    stats,
    /** Forgets the cached view (after a pack, or in tests). */
    invalidate() {
      view = undefined;
    },
    async announce(url: string, remoteIp: string): Promise<Response> {
      let a: Announce;
      const v = await current();
      try {
        a = parseAnnounce(url, v.maxPeers);
      } catch (e) {
        stats.refused++;
        return reply(failure((e as Error).message), 400);
      }
      if (!v.known.has(a.infohash) && !(await load()).known.has(a.infohash)) {
        stats.refused++;
        o.log.warn("announce for an unknown torrent refused", { infohash: a.infohash, ip: remoteIp });
        return reply(failure("unknown torrent: not a packed luna image"));
      }
      const ip = a.ip ?? remoteIp;
      const peer = await record(a, ip);
      if (a.event === "stopped") v.peers.delete(peer.name);
      else v.peers.set(peer.name, peer);
      stats.announces++;
      const same = [...v.peers.values()].filter((p) => p.infohash === a.infohash);
      const complete = same.filter((p) => p.left === 0).length;
      return reply(
        bencodeBody({
          interval: v.interval,
          "min interval": v.minInterval,
          complete,
          incomplete: same.length - complete,
          ...encodePeers(pick(v, a, ip), a.compact),
        }),
      );
    },
    async scrape(url: string): Promise<Response> {
      stats.scrapes++;
      let hashes: string[];
      try {
        hashes = parseScrape(url);
      } catch (e) {
        return reply(failure((e as Error).message), 400);
      }
      const v = await current();
      const wanted = hashes.length > 0 ? hashes : [...v.known];
      const files = new Map<string, object>();
      for (const h of wanted.filter((x) => v.known.has(x))) {
        const same = [...v.peers.values()].filter((p) => p.infohash === h);
        const complete = same.filter((p) => p.left === 0).length;
        files.set(h, { complete, incomplete: same.length - complete, downloaded: complete });
      }
      return reply(scrapeBody(files));
    },
  };
}

export type Tracker = ReturnType<typeof createTracker>;
