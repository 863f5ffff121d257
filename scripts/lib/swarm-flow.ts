/**
 * Bandwidth in the swarm model. Each time step the active flows — an unchoked connection whose
 * downloader has a piece to ask for, or a node's web-seed stream — share the links they cross
 * (sender uplink, rack uplink and downlink when they cross racks, receiver downlink; a seeder
 * limit at the head node) by max-min fairness, then carry their bytes into pieces.
 */
import { completePiece, pickPiece, pickWeb } from "./swarm-pieces.ts";
import { has, release, type SwarmState } from "./swarm-state.ts";

/** Where every byte came from and went, and when each node completed. */
export interface Tally {
  fromHead: Float64Array;
  fromWeb: Float64Array;
  fromPeers: Float64Array;
  uploaded: Float64Array;
  finishAt: Float64Array;
  seederBytes: number;
  webBytes: number;
  rackUpBytes: number;
  rackDownBytes: number;
}

/** Links (capacities in payload bytes/s) and this step's flows, each crossing up to 4 links. */
export interface Net {
  racks: number;
  seederLink: number;
  cap: Float64Array;
  rem: Float64Array;
  use: Float64Array;
  cnt: Int32Array;
  from: Int32Array;
  to: Int32Array;
  slot: Int32Array; // the uploader's connection slot; -1 for the web seed
  links: Int32Array;
  rate: Float64Array;
  frozen: Uint8Array;
  n: number;
  justDone: Int32Array;
  nDone: number;
}

export function createTally(n: number): Tally {
  return {
    fromHead: new Float64Array(n),
    fromWeb: new Float64Array(n),
    fromPeers: new Float64Array(n),
    uploaded: new Float64Array(n),
    finishAt: new Float64Array(n).fill(Number.NaN),
    seederBytes: 0,
    webBytes: 0,
    rackUpBytes: 0,
    rackDownBytes: 0,
  };
}

/** Link l: uplink of host l (l <= N), downlink of node l-H, then rack up, rack down, seeder. */
export function createNet(s: SwarmState): Net {
  const { p, N } = s;
  const H = N + 1;
  const racks = p.rackSize > 0 ? Math.ceil(N / p.rackSize) : 0;
  const L = 2 * H + 2 * racks + 1;
  // The protocol efficiency scales every link: payload is that share of the wire rate.
  const bytes = (bps: number) => (bps * p.efficiency) / 8;
  const cap = new Float64Array(L);
  for (let h = 0; h < N; h++) {
    cap[h] = bytes(p.nodeBps) * p.uplinkShare;
    cap[H + h] = bytes(p.nodeBps);
  }
  cap[N] = bytes(p.headBps) * p.headUplinkShare;
  for (let r = 0; r < racks; r++) cap[2 * H + r] = cap[2 * H + racks + r] = bytes(p.rackBps);
  cap[L - 1] = bytes(p.seederBps);
  const F = N * p.uploadSlots + p.headUploadSlots + N;
  return {
    racks,
    seederLink: Number.isFinite(p.seederBps) ? L - 1 : -1,
    cap,
    rem: new Float64Array(L),
    use: new Float64Array(L),
    cnt: new Int32Array(L),
    from: new Int32Array(F),
    to: new Int32Array(F),
    slot: new Int32Array(F),
    links: new Int32Array(4 * F),
    rate: new Float64Array(F),
    frozen: new Uint8Array(F),
    n: 0,
    justDone: new Int32Array(N),
    nDone: 0,
  };
}

function addFlow(s: SwarmState, net: Net, u: number, d: number, c: number): void {
  const f = net.n++;
  const k = 4 * f;
  const H = s.N + 1;
  const rd = s.rack[d]!;
  const ru = s.rack[u]!;
  const cross = rd >= 0 && ru !== rd; // the head sits on the core: its flows cross d's rack link
  net.from[f] = u;
  net.to[f] = d;
  net.slot[f] = c;
  net.links[k] = u;
  net.links[k + 1] = ru >= 0 && cross ? 2 * H + ru : u === s.head && c >= 0 ? net.seederLink : -1;
  net.links[k + 2] = cross ? 2 * H + net.racks + rd : -1;
  net.links[k + 3] = H + d;
}

/**
 * Collects this step's flows, giving each a piece to fetch (a flow with none asks nothing). A
 * connection that had nothing to fetch (just unchoked, or its pipeline ran dry) starts
 * requestLatency after its new pick; one that goes from piece to piece in deliver() does not.
 */
export function buildFlows(s: SwarmState, net: Net, t: number): void {
  const { N } = s;
  const wait = s.p.requestLatency;
  net.n = 0;
  for (let u = 0; u <= N; u++) {
    if (s.live[u] !== 1) continue;
    for (let i = s.uoff[u]!, end = i + s.ucount[u]!; i < end; i++) {
      const c = s.ulist[i]!;
      const d = s.peer[c]!;
      if (s.done[d] === 1) continue;
      let q = s.fpiece[c]!;
      const dry = q < 0;
      if (q >= 0 && has(s, d, q)) {
        release(s, d, q);
        q = s.fpiece[c] = -1;
      }
      if (q < 0 && s.lacks[s.rev[c]!]! > 0) {
        q = s.fpiece[c] = pickPiece(s, d, u);
        if (q >= 0 && dry && wait > 0) s.readyAt[c] = t + wait;
      }
      if (q >= 0 && (wait === 0 || t >= s.readyAt[c]! - 1e-9)) addFlow(s, net, u, d, c);
    }
  }
  for (let d = 0; d < N; d++) {
    if (s.webOn[d] === 0 || s.live[d] !== 1 || s.done[d] === 1) continue;
    let q = s.wpiece[d]!;
    if (q >= 0 && has(s, d, q)) {
      release(s, d, q);
      q = -1;
    }
    if (q < 0) q = s.wpiece[d] = pickWeb(s, d);
    if (q >= 0) addFlow(s, net, N, d, -1);
  }
}

/**
 * Max-min fair rates by progressive filling, cut to `rounds` rounds: each round every open flow
 * gets the smallest fair share (remaining capacity / open flows) among its links; flows on a
 * link those shares fill are frozen at that rate and leave it. Flows still open after the last
 * round keep their (feasible, possibly low) share. Exact max-min when each round freezes one
 * bottleneck level; 3-4 rounds are within a few per cent here.
 */
export function share(net: Net, rounds: number): void {
  const { n, links, rate, frozen, rem, use, cnt } = net;
  rem.set(net.cap);
  frozen.fill(0, 0, n);
  for (let round = 0; round < rounds; round++) {
    cnt.fill(0);
    use.fill(0);
    let open = 0;
    for (let f = 0; f < n; f++) {
      if (frozen[f]) continue;
      open++;
      for (let k = 4 * f; k < 4 * f + 4; k++) if (links[k]! >= 0) cnt[links[k]!]!++;
    }
    if (open === 0) return;
    for (let f = 0; f < n; f++) {
      if (frozen[f]) continue;
      let r = Number.POSITIVE_INFINITY;
      for (let k = 4 * f; k < 4 * f + 4; k++) {
        const l = links[k]!;
        if (l >= 0) r = Math.min(r, rem[l]! / cnt[l]!);
      }
      rate[f] = r = Math.max(0, r);
      for (let k = 4 * f; k < 4 * f + 4; k++) if (links[k]! >= 0) use[links[k]!]! += r;
    }
    if (round === rounds - 1) return;
    for (let f = 0; f < n; f++) {
      if (frozen[f]) continue;
      for (let k = 4 * f; k < 4 * f + 4; k++) {
        const l = links[k]!;
        if (l >= 0 && use[l]! >= rem[l]! * (1 - 1e-9)) frozen[f] = 1;
      }
    }
    for (let f = 0; f < n; f++) {
      if (frozen[f] !== 1) continue;
      frozen[f] = 2;
      const r = rate[f]!;
      for (let k = 4 * f; k < 4 * f + 4; k++) if (links[k]! >= 0) rem[links[k]!]! -= r;
    }
  }
}

/**
 * Moves each flow's bytes for the step into its piece; a flow that completes a piece goes on
 * with the next one in the same step (the request pipeline never runs dry). Bytes are whole.
 */
export function deliver(s: SwarmState, net: Net, tally: Tally, t: number): void {
  const { P, p } = s;
  const lastLen = p.imageBytes - (P - 1) * p.pieceBytes;
  net.nDone = 0;
  for (let f = 0; f < net.n; f++) {
    const u = net.from[f]!;
    const d = net.to[f]!;
    const c = net.slot[f]!;
    const base = d * P;
    const total = Math.floor(net.rate[f]! * p.dt);
    let x = total;
    let q = c >= 0 ? s.fpiece[c]! : s.wpiece[d]!;
    while (x > 0 && q >= 0 && s.done[d] === 0) {
      if (has(s, d, q)) {
        release(s, d, q);
        q = c >= 0 ? pickPiece(s, d, u) : pickWeb(s, d);
        continue;
      }
      const need = (q === P - 1 ? lastLen : p.pieceBytes) - s.partial[base + q]!;
      const b = Math.min(x, need);
      credit(s, tally, f, net, b, t);
      x -= b;
      if (b < need) {
        s.partial[base + q]! += b;
        break;
      }
      release(s, d, q);
      if (completePiece(s, d, q, t)) {
        tally.finishAt[d] = t + (p.dt * (total - x)) / total;
        net.justDone[net.nDone++] = d;
        break;
      }
      q = c >= 0 ? pickPiece(s, d, u) : pickWeb(s, d);
    }
    if (s.done[d] === 1) q = -1;
    if (c >= 0) s.fpiece[c] = q;
    else s.wpiece[d] = q;
  }
}

function credit(s: SwarmState, tally: Tally, f: number, net: Net, b: number, t: number): void {
  const u = net.from[f]!;
  const d = net.to[f]!;
  const c = net.slot[f]!;
  if (c < 0) {
    tally.fromWeb[d]! += b;
    tally.webBytes += b;
  } else {
    s.gave[c]! += b;
    s.got[s.rev[c]!]! += b;
    if (u === s.head) {
      tally.fromHead[d]! += b;
      tally.seederBytes += b;
    } else {
      tally.fromPeers[d]! += b;
      tally.uploaded[u]! += b;
    }
  }
  const ru = s.rack[u]!;
  const rd = s.rack[d]!;
  if (rd >= 0 && ru !== rd) {
    tally.rackDownBytes += b;
    if (ru >= 0) tally.rackUpBytes += b;
  }
  s.lastProgress[d] = t;
}
