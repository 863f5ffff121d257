/**
 * The BitTorrent tracker inside the daemon (`/announce`, `/scrape`). Peers are kept in the
 * store, so several head nodes sharing one MongoDB see one swarm; each daemon reads them into
 * a view at most once a second, so a storm of announces costs one store write each and no
 * scans. Only info-hashes of packed image versions are tracked, and an unknown one is refused
 * from that view with no store access (a flood of them must not starve the boot routes). A
 * peer is stored under its socket's address (`ip=` only from loopback) and, when `admit` is
 * given, only if its boot credential is admitted. The head node's seeder is always among the
 * peers returned; peers behind the requester's own switch come first.
 */
import { clusterDefaults } from "../domain/cluster.ts";
import type { Peer } from "../domain/model.ts";
import { newId, type Store } from "../domain/store.ts";
import type { Logger } from "../lib/logger.ts";
import {
  type Announce,
  bencodeBody,
  encodePeers,
  failure,
  type PeerOut,
  parseAnnounce,
  parseScrape,
  peerAddress,
  scrapeBody,
} from "./announce.ts";

export interface TrackerOptions {
  store: Store;
  now: () => Date;
  /** head-node seeders of a torrent, always returned */
  seeders: (infohash: string) => PeerOut[];
  log: Pick<Logger, "warn">;
  /**
   * Whether a peer may join: `ip` is the address it would be stored under, `node` and `token`
   * what its announce URL carries. Absent: every peer is admitted. A throw refuses.
   */
  admit?: (a: { ip: string; node?: string; token?: string; infohash: string }) => boolean | Promise<boolean>;
  /**
   * A leecher announced for the first time: the head node's seeder dials it at once, and the
   * answer waits until that connection is through (or a short cap). aria2c takes in a
   * connection only when something wakes its event loop: one that lands after the tracker's
   * answer waits for its next one-second tick (measured at N = 16: every dial answered 1.0 s
   * late), one that is already there when the answer arrives is taken in with it.
   */
  joined?: (infohash: string, ip: string, port: number) => void | Promise<void>;
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
  const stats = {
    announces: 0,
    /** malformed announces (bad parameters, no socket address) */
    malformed: 0,
    /** announces for an info-hash that is not a packed image version */
    unknown: 0,
    /** announces refused by `admit` */
    refused: 0,
    /** announces whose `ip=` was not honoured (not from loopback, and not the socket's address) */
    ipIgnored: 0,
    scrapes: 0,
  };

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
    const interval = (cluster ?? clusterDefaults()).tracker_interval;
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
      at: o.now().getTime(),
      peers,
      known,
      interval,
      minInterval: cluster?.tracker_min_interval ?? 5,
      maxPeers: cluster?.tracker_maxpeers ?? 200,
      switchOf,
    };
  };

  const current = async (): Promise<View> => {
    if (view && Math.abs(o.now().getTime() - view.at) < 1000) return view;
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

  async function admitted(a: Announce, ip: string): Promise<boolean> {
    if (!o.admit) return true;
    try {
      return (
        (await o.admit({
          ip,
          infohash: a.infohash,
          ...(a.node !== undefined ? { node: a.node } : {}),
          ...(a.token !== undefined ? { token: a.token } : {}),
        })) === true
      );
    } catch (e) {
      o.log.warn("announce refused: the credential check failed", { node: a.node, error: String(e) });
      return false;
    }
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
    /** The peers announced lately (within two intervals), from the view (refreshed at most once a second). */
    async peers(): Promise<Peer[]> {
      const v = await current();
      const horizon = o.now().getTime() - (2 * v.interval + 5) * 1000;
      return [...v.peers.values()].filter((p) => Date.parse(p.updated) >= horizon);
    },
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
        stats.malformed++;
        return reply(failure((e as Error).message), 400);
      }
      // From the view only: reloading on an unknown hash let a flood of them re-read the store.
      if (!v.known.has(a.infohash)) {
        const n = ++stats.unknown;
        // Logged at the 1st, 2nd, 4th, 8th… so a flood cannot fill the log.
        if ((n & (n - 1)) === 0)
          o.log.warn("announces for unknown torrents refused", { count: n, infohash: a.infohash });
        return reply(failure("unknown torrent: not a packed luna image"));
      }
      const address = peerAddress(remoteIp, a.ip);
      if (!address) {
        stats.malformed++;
        return reply(failure("the peer's address is unknown"), 400);
      }
      if (address.ignored) stats.ipIgnored++;
      const { ip } = address;
      if (!(await admitted(a, ip))) {
        stats.refused++;
        const whose = a.node ? `for node ${a.node}` : "(the announce names no node)";
        return reply(failure(`announce refused: this peer has no valid boot credential ${whose}`));
      }
      const peer = await record(a, ip);
      const isNew = !v.peers.has(peer.name);
      if (a.event === "stopped") v.peers.delete(peer.name);
      else v.peers.set(peer.name, peer);
      // The answer waits (briefly) for the seeder's connection: see `joined`.
      if (isNew && a.event !== "stopped" && a.left > 0) await o.joined?.(a.infohash, ip, a.port);
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
