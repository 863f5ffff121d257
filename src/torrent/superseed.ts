/**
 * Which pieces the head node offers to which peer (super-seeding, BEP 16), the pure part.
 *
 * In a boot storm every node starts empty at once. A plain seeder answers whatever its unchoked
 * leechers ask for, and early on they all ask for the same rare pieces, so the head node's link
 * carries several copies of some pieces before others exist in the swarm at all. Here the head
 * node tells each peer it has only a few pieces (HAVE messages), chosen so that every piece is
 * sent once before any piece is sent twice; the nodes trade the rest. A peer gets new offers as
 * soon as there is evidence the old ones went out (it says HAVE, or the last block of the piece
 * was sent to it), keeping `depth` offers outstanding. Once every piece is held by some peer the
 * seeder falls back to plain seeding (it announces every piece to everyone), so a late node or
 * a piece whose only holder left is never stuck. https://www.bittorrent.org/beps/bep_0016.html
 */

export interface SuperPeer {
  /** pieces this peer has said it has */
  has: Uint8Array;
  /** pieces we told this peer we have */
  announced: Uint8Array;
  /** offers it has not yet taken */
  offered: Set<number>;
  /** how many pieces it has */
  count: number;
  /** every piece has been announced to it (plain mode): nothing more to offer, ever */
  done: boolean;
}

export interface SuperSeedOptions {
  pieces: number;
  /** offers kept outstanding per peer (at least 2) */
  depth?: number;
  /**
   * offers outstanding over all peers: with 64 peers and 3 offers each the head's link would
   * carry 192 pieces at once, each arriving after 192 piece-times; fewer pieces in flight
   * reach the swarm sooner and start trading (default 16)
   */
  inFlight?: number;
  /** plain seeding from the start: every piece announced to every peer */
  plain?: boolean;
  /** deterministic order for tests; by default a random permutation */
  random?: () => number;
  /** called once, when every piece is held by some peer (plain seeding from then on) */
  onSpread?: () => void;
  /**
   * a first copy not reported (HAVE) this long after it was offered may be offered to another
   * peer (default 3 s): earlier, such second copies only compete with the last first copies
   * for the head node's link
   */
  staleMs?: number;
  /** milliseconds clock, for tests (default Date.now) */
  now?: () => number;
}

/** offers kept outstanding per peer, and first copies in flight over all peers, by default */
export const SUPERSEED_DEPTH = 3;
export const SUPERSEED_IN_FLIGHT = 16;

export function createSuperSeed(o: SuperSeedOptions) {
  const P = o.pieces;
  const depth = Math.max(2, o.depth ?? SUPERSEED_DEPTH);
  const maxInFlight = Math.max(depth, o.inFlight ?? SUPERSEED_IN_FLIGHT);
  let inFlight = 0;
  /** an offer was taken or a peer left since the last `refill` */
  let freed = false;
  const withdraw = (p: SuperPeer, i: number) => {
    if (!p.offered.delete(i)) return;
    inFlight--;
    freed = true;
  };
  const rnd = o.random ?? Math.random;
  /** how many connected peers hold each piece */
  const holders = new Uint32Array(P);
  /** a first copy of the piece is on its way to some peer (or arrived) */
  const assigned = new Uint8Array(P);
  /** when the piece was last offered as a first copy */
  const offeredAt = new Float64Array(P);
  const now = o.now ?? Date.now;
  const staleMs = o.staleMs ?? 3000;
  const order = Array.from({ length: P }, (_, i) => i);
  for (let i = P - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  let cursor = 0;
  let spread = 0; // pieces with holders > 0
  let plain = P === 0 || o.plain === true;
  const peers = new Set<SuperPeer>();

  const gain = (i: number) => {
    holders[i] = (holders[i] as number) + 1;
    if (holders[i] === 1) spread++;
    if (spread === P && !plain) {
      plain = true;
      o.onSpread?.();
    }
  };

  /** where the never-assigned pieces start in `order` (everything before is assigned) */
  const firstUnassigned = () => {
    while (cursor < P && assigned[order[cursor] as number]) cursor++;
    return cursor;
  };
  /**
   * A fresh piece for `p`: never assigned, else one no peer holds yet, that `p` was not offered,
   * whose first copy is overdue (offered `staleMs` ago and still not reported).
   */
  const pick = (p: SuperPeer): number | undefined => {
    for (let k = firstUnassigned(); k < P; k++) {
      const i = order[k] as number;
      if (!assigned[i] && !p.has[i]) return i;
    }
    const stale = now() - staleMs;
    for (const i of order)
      if (holders[i] === 0 && !p.has[i] && !p.announced[i] && (offeredAt[i] as number) <= stale) return i;
    return undefined;
  };
  /** some never-reported first copy is overdue (else no peer can pick once all are assigned) */
  const anyStale = () => {
    const stale = now() - staleMs;
    for (let i = 0; i < P; i++) if (holders[i] === 0 && (offeredAt[i] as number) <= stale) return true;
    return false;
  };
  const wants = (q: SuperPeer) => q.offered.size < depth && q.count < P;
  /** the fewest pieces held among the peers that could take an offer (whose turn it is) */
  const fewest = () => {
    let min = Number.POSITIVE_INFINITY;
    for (const q of peers) if (wants(q)) min = Math.min(min, q.count);
    return min;
  };
  /** Offers to `p` up to `depth`, within the cap. */
  const give = (p: SuperPeer, out: number[]) => {
    while (p.offered.size < depth && inFlight < maxInFlight) {
      const i = pick(p);
      if (i === undefined) break;
      assigned[i] = 1;
      offeredAt[i] = now();
      p.announced[i] = 1;
      p.offered.add(i);
      inFlight++;
      out.push(i);
    }
  };

  return {
    /** true once every piece is held by some peer: plain seeding from then on */
    get plain() {
      return plain;
    },
    addPeer(): SuperPeer {
      const p: SuperPeer = {
        has: new Uint8Array(P),
        announced: new Uint8Array(P),
        offered: new Set(),
        count: 0,
        done: false,
      };
      peers.add(p);
      if (plain) {
        p.announced.fill(1);
        p.done = true;
      }
      return p;
    },
    /** The peer left: the pieces only it held must be offered again. */
    removePeer(p: SuperPeer): void {
      if (!peers.delete(p)) return;
      for (let i = 0; i < P; i++) {
        if (!p.has[i]) continue;
        if (--(holders[i] as number) === 0) {
          spread--;
          assigned[i] = 0;
          cursor = 0;
        }
      }
      for (const i of p.offered)
        if (holders[i] === 0) {
          assigned[i] = 0;
          cursor = 0;
        }
      inFlight -= p.offered.size;
      p.offered.clear();
      freed = true;
    },
    /** The peer has piece i (HAVE, or a bit of its BITFIELD). */
    peerHas(p: SuperPeer, i: number): void {
      if (i < 0 || i >= P || p.has[i]) return;
      p.has[i] = 1;
      p.count++;
      assigned[i] = 1;
      withdraw(p, i);
      gain(i);
    },
    /** We sent the block of piece i ending at `end`; the last block counts as delivered. */
    sent(p: SuperPeer, i: number, end: number, pieceLength: number): void {
      if (end >= pieceLength) withdraw(p, i);
    },
    /**
     * Pieces to announce to `p` now (HAVE messages). In plain mode: every piece not yet
     * announced to it. Otherwise new offers up to `depth` outstanding.
     */
    offers(p: SuperPeer): number[] {
      const out: number[] = [];
      // Called after every message a peer sends: return early when there is nothing to do.
      if (p.done) return out;
      if (plain) {
        for (let i = 0; i < P; i++)
          if (!p.announced[i]) {
            p.announced[i] = 1;
            out.push(i);
          }
        p.done = true;
        return out;
      }
      if (p.offered.size >= depth || inFlight >= maxInFlight) return out;
      // Turns: a free slot goes to the least complete peer that can take one. The head node's
      // link is the one source a node does not earn by trading, so it goes where aria2c's
      // tit-for-tat left a node behind (measured against fewest-first-copies turns:
      // docs/benchmarks.md).
      if (p.count <= fewest()) give(p, out);
      return out;
    },
    /**
     * Offers for the peers that are waiting, after a slot was freed (an offer taken, a peer
     * gone): a waiting peer may be quiet (it fetched its offers and said NOT_INTERESTED), and
     * would otherwise hear of the free slot only at its next message, seconds later, while the
     * head node's link idles. Least complete first; nothing to do unless a slot was freed.
     */
    refill(): [SuperPeer, number[]][] {
      if (plain || !freed) return [];
      freed = false;
      if (inFlight >= maxInFlight) return [];
      if (firstUnassigned() >= P && !anyStale()) return [];
      const waiting = [...peers].filter(wants).sort((a, b) => a.count - b.count);
      const out: [SuperPeer, number[]][] = [];
      for (const q of waiting) {
        if (inFlight >= maxInFlight) break;
        const got: number[] = [];
        give(q, got);
        if (got.length > 0) out.push([q, got]);
      }
      return out;
    },
    /** the number of pieces some peer holds, for stats */
    spread: () => spread,
  };
}

export type SuperSeed = ReturnType<typeof createSuperSeed>;
