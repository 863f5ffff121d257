/**
 * Pieces in the swarm model: what a downloader asks an uploader for (rarest-first, endgame,
 * BEP 16 superseeding at the head node, the web seed's sequential stream), and what happens
 * when a piece completes (HAVE to every connected peer, interest changes).
 */
import { has, type SwarmState, take } from "./swarm-state.ts";

/** The lowest set bit's index (m !== 0). */
const lowBit = (m: number) => 31 - Math.clz32(m & -m);

/**
 * The piece d asks u for, or -1: rarest-first (the piece least held among d's peers, ties at
 * random) among up to pieceSample candidates read from a random piece on, over the bitsets.
 */
export function pickPiece(s: SwarmState, d: number, u: number): number {
  const { P, W, p, haveBits: hb, busyBits: bb } = s;
  if (u === s.head && p.seederPolicy === "superseed" && s.piecesInSwarm < P) {
    const q = superseedPiece(s, d);
    if (q >= 0) return q;
  }
  const dw = d * W;
  const uw = u * W;
  // rarity "swarm": how many nodes have the piece (everHad), not d's own peers' counts
  const swarm = p.rarity === "swarm";
  const avail = swarm ? s.everHad : s.avail;
  const availBase = swarm ? 0 : d * P;
  let best = -1;
  let bestAvail = Number.POSITIVE_INFINITY;
  let ties = 0;
  let found = 0;
  // From a random bit of a random word round to the same word's lower bits (k === W).
  const start = Math.floor(s.rng() * P);
  const w0 = start >>> 5;
  const below = (1 << (start & 31)) - 1;
  for (let k = 0; k <= W && found < p.pieceSample; k++) {
    const w = w0 + k < W ? w0 + k : w0 + k - W;
    let m = hb[uw + w]! & ~hb[dw + w]! & ~bb[dw + w]!;
    if (k === 0) m &= ~below;
    else if (k === W) m &= below;
    for (; m !== 0 && found < p.pieceSample; m &= m - 1) {
      const q = (w << 5) + lowBit(m);
      const a = avail[availBase + q]!;
      found++;
      if (a < bestAvail) {
        best = q;
        bestAvail = a;
        ties = 1;
      } else if (a === bestAvail && s.rng() * ++ties < 1) best = q;
    }
  }
  // Endgame (aria2c: at most endgamePieces missing): also ask for a piece already on its way
  // from another peer, the one with the fewest flows; the first copy to finish wins.
  if (best < 0 && P - s.haveCount[d]! <= p.endgamePieces) {
    let fewest = 255;
    for (let w = 0; w < W; w++)
      for (let m = hb[uw + w]! & ~hb[dw + w]!; m !== 0; m &= m - 1) {
        const q = (w << 5) + lowBit(m);
        if (s.inProg[d * P + q]! < fewest) {
          best = q;
          fewest = s.inProg[d * P + q]!;
        }
      }
  }
  if (best >= 0) take(s, d, best);
  return best;
}

/**
 * BEP 16 (https://www.bittorrent.org/beps/bep_0016.html), simplified: the head offers each
 * peer the next piece of one shuffled round over all pieces, so it sends every piece once
 * before any twice; once every piece exists on some node it serves like a normal seeder.
 */
function superseedPiece(s: SwarmState, d: number): number {
  const base = d * s.P;
  for (let k = 0; k < s.P; k++) {
    const q = s.ssOrder[(s.ssCursor + k) % s.P]!;
    if (!has(s, d, q) && s.inProg[base + q] === 0) {
      s.ssCursor = (s.ssCursor + k + 1) % s.P;
      take(s, d, q);
      return q;
    }
  }
  return -1;
}

/**
 * The web seed streams the file from byte 0 (aria2c asks for bytes=0-<end>): the lowest piece
 * d lacks that no peer is sending it; in endgame, the lowest piece it lacks.
 */
export function pickWeb(s: SwarmState, d: number): number {
  const { P, W, haveBits: hb, busyBits: bb } = s;
  const dw = d * W;
  const hw = s.head * W; // the head's row: every piece, so also the mask of valid bits
  let w = s.seq[d]!;
  while (w < W && hb[dw + w] === hb[hw + w]) w++;
  s.seq[d] = w;
  const endgame = P - s.haveCount[d]! <= s.p.endgamePieces;
  for (; w < W; w++) {
    for (let m = hb[hw + w]! & ~hb[dw + w]! & (endgame ? -1 : ~bb[dw + w]!); m !== 0; m &= m - 1) {
      const q = (w << 5) + lowBit(m);
      if (s.inProg[d * P + q] === 255) continue;
      take(s, d, q);
      return q;
    }
  }
  return -1;
}

/** Node d now has piece q. Returns true when that was its last piece. */
export function completePiece(s: SwarmState, d: number, q: number, t: number): boolean {
  const { P } = s;
  const base = d * P;
  s.holders[q * s.V + (d >>> 5)]! |= 1 << (d & 31);
  s.partial[base + q] = 0;
  s.haveBits[d * s.W + (q >>> 5)]! |= 1 << (q & 31);
  s.haveCount[d]!++;
  s.lastProgress[d] = t;
  if (++s.everHad[q]! === 1) s.piecesInSwarm++;
  sendHave(s, d, q);
  if (s.haveCount[d] !== P) return false;
  s.done[d] = 1;
  return true;
}

/**
 * HAVE q to every peer of d. A peer that has q: d wants one piece less from it (none left: d
 * is no longer interested, and a peer that was unchoking d re-runs its choke round). A peer
 * that lacks q: one more piece in its availability, and it may become interested in d.
 */
function sendHave(s: SwarmState, d: number, q: number): void {
  const { P, peer, rev, lacks, unchoked, done, holders, avail, rechokeDue } = s;
  const row = q * s.V;
  const track = s.p.rarity === "peers";
  const events = s.p.rechokeOnInterest; // see rechokeSoon
  for (let c = s.off[d]!, end = s.off[d + 1]!; c < end; c++) {
    const v = peer[c]!;
    if (v < 0) continue;
    if (done[v] === 1 || ((holders[row + (v >>> 5)]! >>> (v & 31)) & 1) === 1) {
      if (--lacks[c]! === 0 && events && unchoked[rev[c]!]) rechokeDue[v] = 1;
      continue;
    }
    if (track) avail[v * P + q]!++;
    if (++lacks[rev[c]!]! === 1 && events && !unchoked[c]) rechokeDue[d] = 1;
  }
}
