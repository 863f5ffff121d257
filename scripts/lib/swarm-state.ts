/**
 * The swarm model's state (see swarm-model.ts for the model): typed arrays indexed by host (nodes
 * 0..N-1, the head node N), by node × piece, or by connection slot. This module owns the tracker
 * (who learns about whom), connections (with their BITFIELD/HAVE bookkeeping) and choking.
 */
import type { SwarmParams } from "./swarm-model.ts";

export interface SwarmState {
  p: SwarmParams;
  N: number;
  P: number;
  W: number; // 32-bit words per piece bitset
  head: number;
  rng: () => number;
  // pieces, N × P: flows fetching it, connected peers that have it, bytes of it received
  inProg: Uint8Array;
  avail: Uint16Array; // empty with rarity "swarm"
  partial: Uint32Array;
  // bitsets, (N+1) × W words: have (the head's row is full) and "in progress" (inProg > 0), so
  // "pieces u has that d lacks and nobody is fetching for d" is W word operations; and have
  // again piece-major (P × V words), so the peers a HAVE goes to are one short row
  haveBits: Int32Array;
  busyBits: Int32Array;
  holders: Int32Array;
  V: number;
  haveCount: Int32Array; // per host; the head has all P
  everHad: Int32Array; // per piece: nodes that completed it
  piecesInSwarm: number;
  // hosts
  live: Uint8Array; // 0 not started, 1 in the swarm, 2 left
  done: Uint8Array; // has every piece (the head always)
  rack: Int32Array; // -1: none (the head sits on the core)
  // connection slots: host h owns slots off[h] .. off[h+1]-1; peer -1 = free
  off: Int32Array;
  conns: Int32Array;
  peer: Int32Array;
  rev: Int32Array; // the same connection's slot on the peer's side
  lacks: Int32Array; // pieces the peer has that the owner lacks (> 0: the owner is interested)
  got: Float32Array; // bytes the owner received over it, this and the previous choke period
  gotOld: Float32Array;
  gave: Float32Array;
  gaveOld: Float32Array;
  unchoked: Uint8Array; // the owner unchokes the peer
  fpiece: Int32Array; // the piece the owner is sending the peer (-1 none)
  readyAt: Float64Array; // when that piece's first bytes may flow (requestLatency after the pick)
  // unchoke lists: host h's unchoked slots are ulist[uoff[h] .. uoff[h]+ucount[h]-1]
  uoff: Int32Array;
  ulist: Int32Array;
  ucount: Int32Array;
  optPeer: Int32Array;
  optUntil: Float64Array;
  round: Uint8Array; // choke rounds since the optimistic peer was drawn (optimisticRounds)
  nextRechoke: Float64Array;
  rechokeDue: Uint8Array;
  // tracker: hosts in the swarm, those it knows hold pieces, announce answers
  active: Int32Array;
  activePos: Int32Array;
  nActive: number;
  held: Int32Array;
  heldPos: Int32Array;
  nHeld: number;
  stamp: Int32Array;
  gen: number;
  scratch: Int32Array;
  cand: Int32Array;
  candCount: Int32Array;
  candNext: Int32Array;
  budget: Float64Array;
  nextAnnounce: Float64Array;
  // web seed and superseeding
  webOn: Uint8Array;
  wpiece: Int32Array;
  seq: Int32Array; // the web seed: first bitset word where d still lacks a piece
  lastProgress: Float64Array;
  ssOrder: Int32Array;
  ssCursor: number;
  keys: Float64Array; // choke scratch: keys, picks, wanted; keep (per slot: chosen this round)
  picks: Int32Array;
  wanted: Int32Array;
  keep: Uint8Array;
}

/** mulberry32: a small seeded PRNG, so every run with the same seed is the same run. */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createState(p: SwarmParams): SwarmState {
  const N = p.nodes;
  const P = Math.ceil(p.imageBytes / p.pieceBytes);
  const H = N + 1;
  const W = Math.ceil(P / 32);
  const off = new Int32Array(H + 1);
  const uoff = new Int32Array(H + 1);
  for (let h = 0; h < H; h++) {
    off[h + 1] = off[h]! + (h === N ? p.headMaxPeers : p.maxPeers);
    uoff[h + 1] = uoff[h]! + (h === N ? p.headUploadSlots : p.uploadSlots);
  }
  const C = off[H]!;
  const haveBits = new Int32Array(H * W);
  for (let q = 0; q < P; q++) haveBits[N * W + (q >>> 5)]! |= 1 << (q & 31);
  const rack = new Int32Array(H).fill(-1);
  if (p.rackSize > 0) for (let i = 0; i < N; i++) rack[i] = Math.floor(i / p.rackSize);
  const rng = createRng(p.seed);
  const ssOrder = Int32Array.from({ length: P }, (_, i) => i);
  for (let i = P - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [ssOrder[i], ssOrder[j]] = [ssOrder[j]!, ssOrder[i]!];
  }
  const haveCount = new Int32Array(H);
  haveCount[N] = P;
  const live = new Uint8Array(H);
  const done = new Uint8Array(H);
  live[N] = 1;
  done[N] = 1;
  const maxCap = Math.max(p.maxPeers, p.headMaxPeers);
  return {
    p,
    N,
    P,
    W,
    head: N,
    rng,
    inProg: new Uint8Array(N * P),
    avail: new Uint16Array(p.rarity === "peers" ? N * P : 0),
    partial: new Uint32Array(N * P),
    haveBits,
    busyBits: new Int32Array(H * W),
    holders: new Int32Array(P * Math.ceil(N / 32)),
    V: Math.ceil(N / 32),
    haveCount,
    everHad: new Int32Array(P),
    piecesInSwarm: 0,
    live,
    done,
    rack,
    off,
    conns: new Int32Array(H),
    peer: new Int32Array(C).fill(-1),
    rev: new Int32Array(C),
    lacks: new Int32Array(C),
    got: new Float32Array(C),
    gotOld: new Float32Array(C),
    gave: new Float32Array(C),
    gaveOld: new Float32Array(C),
    unchoked: new Uint8Array(C),
    fpiece: new Int32Array(C).fill(-1),
    readyAt: new Float64Array(C),
    uoff,
    ulist: new Int32Array(uoff[H]!),
    ucount: new Int32Array(H),
    optPeer: new Int32Array(H).fill(-1),
    optUntil: new Float64Array(H),
    round: new Uint8Array(H),
    nextRechoke: new Float64Array(H),
    rechokeDue: new Uint8Array(H),
    active: new Int32Array(N),
    activePos: new Int32Array(N).fill(-1),
    nActive: 0,
    held: new Int32Array(N),
    heldPos: new Int32Array(N).fill(-1),
    nHeld: 0,
    stamp: new Int32Array(H),
    gen: 0,
    scratch: new Int32Array(Math.max(N, 1)),
    cand: new Int32Array(N * p.numwant),
    candCount: new Int32Array(N),
    candNext: new Int32Array(N),
    budget: new Float64Array(N),
    nextAnnounce: new Float64Array(N),
    webOn: new Uint8Array(N),
    wpiece: new Int32Array(N).fill(-1),
    seq: new Int32Array(N),
    lastProgress: new Float64Array(N),
    ssOrder,
    ssCursor: 0,
    keys: new Float64Array(maxCap),
    picks: new Int32Array(maxCap),
    wanted: new Int32Array(Math.max(p.uploadSlots, p.headUploadSlots)),
    keep: new Uint8Array(C),
  };
}

/** An event that makes aria2c re-run its choke round at once (BtInterestedMessage.cc). */
export function rechokeSoon(s: SwarmState, h: number): void {
  if (s.p.rechokeOnInterest) s.rechokeDue[h] = 1;
}

/** Ends a flow: the piece it was fetching may be taken up by another (its bytes so far stay). */
export function release(s: SwarmState, d: number, piece: number): void {
  const i = d * s.P + piece;
  if (s.inProg[i]! > 0 && --s.inProg[i]! === 0) s.busyBits[d * s.W + (piece >>> 5)]! &= ~(1 << (piece & 31));
}

/** Host h has piece q. */
export function has(s: SwarmState, h: number, q: number): boolean {
  return ((s.haveBits[h * s.W + (q >>> 5)]! >>> (q & 31)) & 1) === 1;
}

/** A flow starts fetching piece q for d. */
export function take(s: SwarmState, d: number, q: number): void {
  if (s.inProg[d * s.P + q]!++ === 0) s.busyBits[d * s.W + (q >>> 5)]! |= 1 << (q & 31);
}

export function setUnchoked(s: SwarmState, h: number, c: number, on: boolean): void {
  const base = s.uoff[h]!;
  if (on) {
    s.ulist[base + s.ucount[h]!++] = c;
    s.unchoked[c] = 1;
    return;
  }
  for (let i = 0; i < s.ucount[h]!; i++)
    if (s.ulist[base + i] === c) s.ulist[base + i] = s.ulist[base + --s.ucount[h]!]!;
  s.unchoked[c] = 0;
  if (s.fpiece[c]! >= 0) release(s, s.peer[c]!, s.fpiece[c]!);
  s.fpiece[c] = -1;
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/**
 * `to` learns `from`'s pieces (BITFIELD, sign 1) or forgets them (disconnect, sign -1). Returns
 * how many of them `to` lacks; with rarity "peers", `to`'s availability counts of those move (a
 * count is kept only while `to` lacks the piece). The head is not counted in availability: it
 * has every piece, so it adds the same 1 to all of them.
 */
function meetBitfield(s: SwarmState, to: number, from: number, sign: number): number {
  if (to === s.head) return 0;
  const { W, haveBits: hb } = s;
  const track = s.done[to] === 0 && from !== s.head && s.p.rarity === "peers";
  let n = 0;
  for (let w = 0; w < W; w++) {
    const wanted = hb[from * W + w]! & ~hb[to * W + w]!;
    n += popcount(wanted);
    for (let m = wanted; track && m !== 0; m &= m - 1)
      s.avail[to * s.P + (w << 5) + 31 - Math.clz32(m & -m)]! += sign;
  }
  return n;
}

function freeSlot(s: SwarmState, h: number): number {
  for (let c = s.off[h]!; c < s.off[h + 1]!; c++) if (s.peer[c]! < 0) return c;
  return -1;
}

export function isConnected(s: SwarmState, a: number, b: number): boolean {
  for (let c = s.off[a]!; c < s.off[a + 1]!; c++) if (s.peer[c] === b) return true;
  return false;
}

export function connect(s: SwarmState, a: number, b: number): void {
  const ca = freeSlot(s, a);
  const cb = freeSlot(s, b);
  s.peer[ca] = b;
  s.peer[cb] = a;
  s.rev[ca] = cb;
  s.rev[cb] = ca;
  for (const c of [ca, cb]) {
    s.got[c] = s.gotOld[c] = s.gave[c] = s.gaveOld[c] = 0;
    s.unchoked[c] = 0;
    s.fpiece[c] = -1;
  }
  s.conns[a]!++;
  s.conns[b]!++;
  s.lacks[ca] = meetBitfield(s, a, b, 1);
  s.lacks[cb] = meetBitfield(s, b, a, 1);
  if (s.lacks[ca]! > 0) rechokeSoon(s, b);
  if (s.lacks[cb]! > 0) rechokeSoon(s, a);
}

/** Closes the connection in slot `c` of host `a`. */
export function disconnect(s: SwarmState, a: number, c: number): void {
  const b = s.peer[c]!;
  const c2 = s.rev[c]!;
  if (s.unchoked[c]) {
    setUnchoked(s, a, c, false);
    if (s.lacks[c2]! > 0) rechokeSoon(s, a);
  }
  if (s.unchoked[c2]) {
    setUnchoked(s, b, c2, false);
    if (s.lacks[c]! > 0) rechokeSoon(s, b);
  }
  meetBitfield(s, a, b, -1);
  meetBitfield(s, b, a, -1);
  if (s.optPeer[a] === b) s.optPeer[a] = -1;
  if (s.optPeer[b] === a) s.optPeer[b] = -1;
  s.peer[c] = s.peer[c2] = -1;
  s.conns[a]!--;
  s.conns[b]!--;
}
