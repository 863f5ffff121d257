/**
 * Who talks to whom in the swarm model: tracker announces (luna's tracker returns the head
 * node's seeder first, then up to numwant peers by policy), aria2c's outgoing connections, and
 * choking — the rounds of aria2c's BtLeecherStateChoke / BtSeederStateChoke, simplified.
 */
import {
  connect,
  disconnect,
  isConnected,
  rechokeSoon,
  type SwarmState,
  setUnchoked,
} from "./swarm-state.ts";

/** A tracker list kept as an array plus each member's position (O(1) add and remove). */
function listAdd(list: Int32Array, pos: Int32Array, len: number, v: number): number {
  if (pos[v]! >= 0) return len;
  list[len] = v;
  pos[v] = len;
  return len + 1;
}

function listRemove(list: Int32Array, pos: Int32Array, len: number, v: number): number {
  const i = pos[v]!;
  if (i < 0) return len;
  const last = list[len - 1]!;
  list[i] = last;
  pos[last] = i;
  pos[v] = -1;
  return len - 1;
}

/** Moves the first `len` hosts of s.scratch into d's announce answer, in random order. */
function takeShuffled(s: SwarmState, len: number, d: number, n: number): number {
  const W = s.p.numwant;
  const out = d * W;
  for (let i = 0; i < len && n < W; i++) {
    const j = i + Math.floor(s.rng() * (len - i));
    const v = s.scratch[j]!;
    s.scratch[j] = s.scratch[i]!;
    if (s.stamp[v] === s.gen) continue;
    s.stamp[v] = s.gen;
    s.cand[out + n++] = v;
  }
  return n;
}

/** Adds random members of `list` to d's announce answer (sampled, so O(numwant) for any N). */
function takeRandom(s: SwarmState, list: Int32Array, len: number, d: number, n: number): number {
  const W = s.p.numwant;
  if (n >= W) return n;
  if (len <= 4 * (W - n)) {
    s.scratch.set(list.subarray(0, len));
    return takeShuffled(s, len, d, n);
  }
  for (let tries = 8 * (W - n); tries > 0 && n < W; tries--) {
    const v = list[Math.floor(s.rng() * len)]!;
    if (s.stamp[v] === s.gen) continue;
    s.stamp[v] = s.gen;
    s.cand[d * W + n++] = v;
  }
  return n;
}

/** Node d announces at time t: the tracker records it and answers with peers to try. */
export function announce(s: SwarmState, d: number, t: number): void {
  const { p } = s;
  s.nActive = listAdd(s.active, s.activePos, s.nActive, d);
  // The tracker knows a node holds pieces from the `left` of its last announce.
  if (s.haveCount[d]! > 0) s.nHeld = listAdd(s.held, s.heldPos, s.nHeld, d);
  s.gen++;
  s.stamp[d] = s.gen;
  s.cand[d * p.numwant] = s.head;
  let n = 1;
  if (p.trackerPolicy === "rack" && s.rack[d]! >= 0) {
    const from = s.rack[d]! * p.rackSize;
    let len = 0;
    for (let v = from; v < Math.min(s.N, from + p.rackSize); v++) if (s.live[v] === 1) s.scratch[len++] = v;
    n = takeShuffled(s, len, d, n);
  } else if (p.trackerPolicy === "pieces") {
    n = takeRandom(s, s.held, s.nHeld, d, n);
  }
  n = takeRandom(s, s.active, s.nActive, d, n);
  s.candCount[d] = n;
  s.candNext[d] = 0;
  s.nextAnnounce[d] = t + p.announceInterval;
}

const capacity = (s: SwarmState, h: number) => s.off[h + 1]! - s.off[h]!;

/**
 * aria2c opens up to connectsPerSecond new connections a second (ActivePeerConnectionCommand)
 * to peers from the last announce; a peer at its connection limit refuses. Two seeders never
 * connect (they have nothing to trade).
 */
export function tryConnections(s: SwarmState, d: number): void {
  const { p } = s;
  const cps = p.connectsPerSecond;
  s.budget[d] = Math.min(Math.max(1, cps), s.budget[d]! + cps * p.dt);
  const base = d * p.numwant;
  while (s.budget[d]! >= 1 && s.candNext[d]! < s.candCount[d]! && s.conns[d]! < capacity(s, d)) {
    const k = s.cand[base + s.candNext[d]!++]!;
    if (k === d || s.live[k] !== 1 || (s.done[d] && s.done[k]) || isConnected(s, d, k)) continue;
    s.budget[d]!--;
    if (s.conns[k]! < capacity(s, k)) connect(s, d, k);
  }
}

/** A node that completes drops its connections to other seeders (aria2c says good-bye). */
export function dropSeeders(s: SwarmState, d: number): void {
  for (let c = s.off[d]!; c < s.off[d + 1]!; c++) {
    const v = s.peer[c]!;
    if (v >= 0 && s.done[v]) disconnect(s, d, c);
  }
  rechokeSoon(s, d);
}

export function leave(s: SwarmState, d: number): void {
  for (let c = s.off[d]!; c < s.off[d + 1]!; c++) if (s.peer[c]! >= 0) disconnect(s, d, c);
  s.nActive = listRemove(s.active, s.activePos, s.nActive, d);
  s.nHeld = listRemove(s.held, s.heldPos, s.nHeld, d);
  s.live[d] = 2;
}

/**
 * One choke round of host u. Regular slots go to the interested peers with the best recent
 * score: bytes they sent us (leecher, tit-for-tat) or bytes we sent them (seeder: the fastest
 * downloaders, which also keeps a seeder on the peers it is serving, as aria2c's seeder does).
 * Ties are random. With `slotsCountUninterested` a leecher ranks every peer, interested or not,
 * and a slot that falls to an uninterested one stays empty (aria2c's regularUnchoke counts
 * them). One optimistic slot goes to a random other interested peer, drawn again every
 * optimisticRounds-th round (or after optimisticPeriod seconds when optimisticRounds is 0).
 */
export function rechoke(s: SwarmState, u: number, t: number, periodic: boolean): void {
  const { p } = s;
  const lo = s.off[u]!;
  const hi = s.off[u + 1]!;
  if (periodic) {
    for (let c = lo; c < hi; c++) {
      s.gotOld[c] = s.got[c]!;
      s.gaveOld[c] = s.gave[c]!;
      s.got[c] = s.gave[c] = 0;
    }
    s.nextRechoke[u] = t + p.rechokePeriod;
  }
  s.rechokeDue[u] = 0;
  // luna's super-seeding turns: the head serves the least complete peers only (see SwarmParams).
  const turns =
    u === s.head && p.headTurnSlots > 0 && p.seederPolicy === "superseed" && s.piecesInSwarm < s.P;
  if (turns) s.nextRechoke[u] = Math.min(s.nextRechoke[u]!, t + p.headTurnPeriod);
  const seeding = s.done[u] === 1;
  const slots = turns ? p.headTurnSlots + 1 : u === s.head ? p.headUploadSlots : p.uploadSlots;
  const regular = Math.max(0, slots - (p.optimisticUnchoke ? 1 : 0));
  const { keys, picks } = s;
  let n = 0;
  for (let c = lo; c < hi; c++) {
    const v = s.peer[c]!;
    if (v < 0) continue;
    const interested = s.lacks[s.rev[c]!]! > 0;
    if (!interested && (seeding || !p.slotsCountUninterested)) continue;
    const score = seeding ? s.gave[c]! + s.gaveOld[c]! : s.got[c]! + s.gotOld[c]!;
    if (turns) keys[n] = interested ? 1e15 - s.haveCount[v]! + s.rng() : s.rng();
    else keys[n] = interested && score > 0 ? 1e15 + score : s.rng();
    picks[n++] = c;
  }
  let want = 0;
  // Every candidate gets a regular slot (the head node's seeder unchokes all): no ranking.
  const ranked = n > regular;
  for (let k = 0; k < Math.min(regular, n); k++) {
    let best = k;
    for (let j = k + 1; ranked && j < n; j++) if (keys[j]! > keys[best]!) best = j;
    const c = picks[best]!;
    [keys[best], picks[best]] = [keys[k]!, picks[k]!];
    picks[k] = c;
    if (s.lacks[s.rev[c]!]! > 0) s.wanted[want++] = c;
  }
  // aria2c redraws its optimistic peer every third choke round, whatever started the round
  // (BtLeecherStateChoke round_); with optimisticRounds 0 the draw holds optimisticPeriod.
  const k = p.optimisticRounds;
  const redraw = k > 0 ? s.round[u] === 0 : t >= s.optUntil[u]!;
  if (k > 0) s.round[u] = (s.round[u]! + 1) % k;
  if (p.optimisticUnchoke && slots > 0 && !turns)
    want = optimistic(s, u, t, Math.min(regular, n), n, want, redraw);
  for (let i = 0; i < want; i++) s.keep[s.wanted[i]!] = 1;
  for (let i = s.ucount[u]! - 1; i >= 0; i--) {
    const c = s.ulist[s.uoff[u]! + i]!;
    if (!s.keep[c]) setUnchoked(s, u, c, false);
  }
  for (let i = 0; i < want; i++) {
    const c = s.wanted[i]!;
    s.keep[c] = 0;
    if (!s.unchoked[c]) setUnchoked(s, u, c, true);
  }
}

/** Keeps the optimistic peer unless `redraw` (or it is gone), else draws one among picks[from..n). */
function optimistic(
  s: SwarmState,
  u: number,
  t: number,
  from: number,
  n: number,
  want: number,
  redraw: boolean,
): number {
  let count = 0;
  let keep = -1;
  for (let j = from; j < n; j++) {
    const c = s.picks[j]!;
    if (s.lacks[s.rev[c]!]! === 0) continue;
    s.picks[from + count++] = c;
    if (s.peer[c] === s.optPeer[u]) keep = c;
  }
  if (keep < 0 || redraw) {
    if (count === 0) return want;
    keep = s.picks[from + Math.floor(s.rng() * count)]!;
    s.optPeer[u] = s.peer[keep]!;
    s.optUntil[u] = t + s.p.optimisticPeriod;
  }
  s.wanted[want] = keep;
  return want + 1;
}
