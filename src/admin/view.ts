/**
 * What the admin surface reads of the running daemon: the store (nodes, images, unknown
 * hardware) and the live state the services keep in memory (route counters, the tracker's
 * peers, the seeder's and the web seed's bytes), as plain functions the runtime wires. And the
 * pure summaries both the metrics and the status page make of them.
 */
import type { OsImage, Peer } from "../domain/model.ts";
import type { StoreReader } from "../domain/store.ts";

export interface DaemonView {
  store: StoreReader;
  counters(): { unknownNodes: number; statusReports: number; refusedBy?: Record<string, number> };
  /** peers that announced lately */
  peers(): Promise<Peer[]>;
  tracker(): { announces: number; malformed: number; unknown: number; refused: number; scrapes: number };
  /** the head-node seeder, when there is one: bytes sent in all and per info-hash, connections */
  seeder(): { uploaded: number; peers: number; byInfohash?: Record<string, number> } | undefined;
  /** bytes sent over HTTP per folder and, for /torrents, per file name (the web seed) */
  files(): { boot: number; torrents: number; ipxe: number; byName: ReadonlyMap<string, number> };
}

export interface VersionRef {
  image: string;
  version: string;
  infohash: string;
  tarball: string;
  size: number;
}

/** Every packed version of every image, keyed by info-hash. */
export function versionsOf(images: OsImage[]): Map<string, VersionRef> {
  const out = new Map<string, VersionRef>();
  for (const img of images)
    for (const v of img.versions)
      out.set(v.infohash, {
        image: img.name,
        version: String(v.version),
        infohash: v.infohash,
        tarball: v.tarball,
        size: v.size,
      });
  return out;
}

export interface Swarm {
  ref: VersionRef;
  seeders: number;
  leechers: number;
  /** the share of the image the swarm's peers hold, 0-1 (1 with no peers) */
  completion: number;
}

/** Seeders, leechers and completion of every packed version's swarm (the head node's seeder not counted). */
export function swarmsOf(peers: Peer[], versions: Map<string, VersionRef>): Swarm[] {
  const by = new Map<string, Swarm & { have: number; total: number }>();
  for (const ref of versions.values())
    by.set(ref.infohash, { ref, seeders: 0, leechers: 0, completion: 1, have: 0, total: 0 });
  for (const p of peers) {
    const s = by.get(p.infohash);
    if (!s) continue;
    if (p.left === 0) s.seeders++;
    else s.leechers++;
    // `left` is what a peer still lacks (its `downloaded` counts only this session's bytes).
    s.have += Math.max(0, s.ref.size - p.left);
    s.total += s.ref.size;
  }
  return [...by.values()].map(({ have, total, ...s }) => ({
    ...s,
    completion: total > 0 ? have / total : 1,
  }));
}
