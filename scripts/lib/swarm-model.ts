/**
 * A deterministic, piece-level, discrete-time model of a boot storm: N nodes fetch an image of
 * S bytes (P pieces) from luna's head node over BitTorrent — aria2c on every node, an aria2c
 * seeder and a web seed on the head node, luna's tracker — so measured runs can be compared
 * with what the protocol and the links allow, and policies tried at sizes we cannot run.
 *
 * The model, each time step of `dt` seconds:
 * - Hosts: the head node (every piece, uplink headBps) and N nodes (full-duplex nodeBps). With
 *   racks, rackSize nodes share a switch whose uplink to the core carries rackBps each way;
 *   the head node sits on the core. Traffic inside a rack does not touch the rack link.
 * - Nodes start at their start times (seeded uniform 0..startSpread, or given), announce then
 *   and every announceInterval, and get the head's seeder plus up to numwant-1 peers (random,
 *   same rack first, or those the tracker knows hold pieces first). A node opens up to
 *   connectsPerSecond connections a second to them, up to maxPeers (the head: headMaxPeers).
 * - Each uploader unchokes uploadSlots peers (one optimistic) in choke rounds every
 *   rechokePeriod and whenever a peer's interest changes (aria2c does both); see rechoke().
 * - A downloader asks each peer that unchokes it for one piece at a time, rarest-first among
 *   its peers (or, rarity "swarm", among all nodes: cheaper for very large N); endgame when at
 *   most endgamePieces are missing; superseeding at the head (seederPolicy; to the
 *   headTurnSlots least complete peers at a time, when set); a web-seed stream from the head's
 *   uplink (webSeed "always", or "fallback" after stallSeconds without a byte); transport
 *   "http" is the web seed alone.
 * - Flows share links max-min fairly (share()), scaled by `efficiency` for protocol overhead; a
 *   node's uplink by uplinkShare too, the head's by headUplinkShare. A connection that can carry
 *   a piece again after its request pipeline ran dry (or after an unchoke) waits requestLatency.
 * - A complete node drops its connections to other seeders and leaves seedTail seconds later,
 *   or once it has uploaded seedRatio × S.
 *
 * Simplifications (requestLatency and uplinkShare stand for what some of them cost, fitted by
 * scripts/swarm-calibrate.ts against the emulated cluster): bytes flow as a fluid at whole-byte
 * granularity, so there is no 16 KiB block, TCP slow start, handshake or disk time; a piece is
 * shareable only once complete, and a HAVE reaches peers at once; rarest-first looks at a
 * random window of pieceSample candidates, not all; endgame duplicates cost no bytes;
 * superseeding keeps BEP 16's "every piece once before any twice" but not its wait for a piece
 * to be seen elsewhere, and ends once every piece has been on some node; a leecher connects
 * while below maxPeers (aria2c stops at 80 % once the download is fast).
 * Cost: state is typed arrays and bitsets, about 7 bytes per node × piece (10,000 nodes ×
 * 1,024 pieces ran in ~260 MB and 15-25 s on a shared 2-core machine); the work per piece a
 * node completes is one HAVE per connection and a pick over P/32 bitset words.
 */
import { buildFlows, createNet, createTally, deliver, share } from "./swarm-flow.ts";
import { announce, dropSeeders, leave, rechoke, tryConnections } from "./swarm-peers.ts";
import { createRng, createState } from "./swarm-state.ts";

export interface SwarmParams {
  nodes: number;
  imageBytes: number;
  pieceBytes: number;
  /** Link rates in bits/s. */
  nodeBps: number;
  headBps: number;
  /** Nodes per rack (0: one flat switch) and each rack uplink's rate, each way. */
  rackSize: number;
  rackBps: number;
  /** Cap on the head's seeder alone (aria2c --max-overall-upload-limit); Infinity: none. */
  seederBps: number;
  transport: "torrent" | "http";
  seederPolicy: "normal" | "superseed";
  webSeed: "off" | "always" | "fallback";
  stallSeconds: number;
  /** Time step (s) and payload share of the wire rate. */
  dt: number;
  efficiency: number;
  /**
   * Calibrated against the emulated cluster (scripts/swarm-calibrate.ts), 1 and 0 by default:
   * the share of its uplink a node's aria2c keeps busy while it has peers to serve (the head's
   * seeder: headUplinkShare), and the seconds from a connection being able to carry a piece
   * (an unchoke, or a HAVE that gives the downloader something to ask for after its request
   * pipeline ran dry) to its first bytes: a request round trip and the clients' event loops.
   */
  uplinkShare: number;
  headUplinkShare: number;
  requestLatency: number;
  startSpread: number;
  startTimes?: ArrayLike<number>;
  announceInterval: number;
  numwant: number;
  trackerPolicy: "random" | "rack" | "pieces";
  maxPeers: number;
  headMaxPeers: number;
  connectsPerSecond: number;
  /** Unchoked peers per uploader, the optimistic one included (aria2c: 3 + 1). */
  uploadSlots: number;
  headUploadSlots: number;
  /**
   * While it super-seeds, the head serves only this many peers at a time, the least complete
   * first, re-ranked every headTurnPeriod s (luna's seeder: a free offer slot goes to the least
   * complete waiting peer, 16 first copies in flight at 3 per peer); 0: every peer it unchokes.
   */
  headTurnSlots: number;
  headTurnPeriod: number;
  optimisticUnchoke: boolean;
  rechokePeriod: number;
  optimisticPeriod: number;
  /** Redraw the optimistic peer every k-th choke round (aria2c: 3); 0: every optimisticPeriod s. */
  optimisticRounds: number;
  rechokeOnInterest: boolean;
  slotsCountUninterested: boolean;
  /** Rarest by d's connected peers (BitTorrent), or by every node (cheaper for large N). */
  rarity: "peers" | "swarm";
  pieceSample: number;
  endgamePieces: number;
  seedTail: number;
  /** A complete node also leaves once it has uploaded seedRatio × S (aria2c --seed-ratio). */
  seedRatio: number;
  fairnessRounds: number;
  /** Simulated seconds before giving up (0: from the HTTP floor, with room to spare). */
  maxTime: number;
  seed: number;
}

export type SwarmOptions = Partial<SwarmParams> & Pick<SwarmParams, "nodes">;

const MiB = 1024 * 1024;

/** luna today: aria2c 1.36 defaults and the options install-body.sh and aria2.ts pass. */
export const SWARM_DEFAULTS: Omit<SwarmParams, "nodes"> = {
  imageBytes: 1024 * MiB,
  pieceBytes: MiB,
  nodeBps: 1e9,
  headBps: 1e9,
  rackSize: 0,
  rackBps: 10e9,
  seederBps: Number.POSITIVE_INFINITY,
  transport: "torrent",
  seederPolicy: "normal",
  webSeed: "always",
  stallSeconds: 20,
  dt: 0.1,
  efficiency: 0.95,
  uplinkShare: 1,
  headUplinkShare: 1,
  requestLatency: 0,
  startSpread: 0,
  announceInterval: 5,
  numwant: 50,
  trackerPolicy: "random",
  maxPeers: 55,
  headMaxPeers: 200,
  connectsPerSecond: 5,
  uploadSlots: 4,
  headUploadSlots: 4,
  headTurnSlots: 0,
  headTurnPeriod: 0.5,
  optimisticUnchoke: true,
  rechokePeriod: 10,
  optimisticPeriod: 30,
  optimisticRounds: 3,
  rechokeOnInterest: true,
  slotsCountUninterested: true,
  rarity: "peers",
  pieceSample: 16,
  endgamePieces: 20,
  seedTail: Number.POSITIVE_INFINITY,
  seedRatio: Number.POSITIVE_INFINITY,
  fairnessRounds: 4,
  maxTime: 0,
  seed: 1,
};

export interface SwarmResult {
  params: SwarmParams;
  /** Per node: start and completion (s from the first start; NaN: not done by maxTime). */
  start: Float64Array;
  finish: Float64Array;
  tLast: number;
  median: number;
  /** Per node: bytes received from the head's seeder, the web seed, other nodes; sent. */
  fromHead: Float64Array;
  fromWeb: Float64Array;
  fromPeers: Float64Array;
  uploaded: Float64Array;
  seederBytes: number;
  webBytes: number;
  /** (seeder + web seed bytes) / S. */
  headCopies: number;
  peerShare: number;
  rackUplinkBytes: number;
  rackDownlinkBytes: number;
  steps: number;
}

export function resolveParams(o: SwarmOptions): SwarmParams {
  const p: SwarmParams = { ...SWARM_DEFAULTS, ...o };
  const bad = (what: string) => {
    throw new Error(`Invalid swarm parameter: ${what}`);
  };
  if (!Number.isInteger(p.nodes) || p.nodes < 1) bad(`nodes ${p.nodes}`);
  if (!(p.imageBytes > 0 && p.pieceBytes > 0)) bad("image and piece sizes must be positive");
  if (Math.ceil(p.imageBytes / p.pieceBytes) > 2 ** 20) bad("more than 2^20 pieces");
  if (!(p.nodeBps > 0 && p.headBps > 0 && p.dt > 0 && p.efficiency > 0)) bad("rates and dt must be positive");
  if (!(p.uplinkShare > 0 && p.uplinkShare <= 1 && p.headUplinkShare > 0 && p.headUplinkShare <= 1))
    bad("uplink shares must be in (0, 1]");
  if (!(p.requestLatency >= 0 && p.seedRatio >= 0)) bad("requestLatency and seedRatio must be >= 0");
  if (p.rackSize > 0 && !(p.rackBps > 0)) bad("rackBps must be positive with racks");
  if (p.numwant < 1 || p.maxPeers < 1 || p.headMaxPeers < 1) bad("numwant and peer limits must be >= 1");
  if (!(Number.isInteger(p.headTurnSlots) && p.headTurnSlots >= 0 && p.headTurnPeriod > 0))
    bad("headTurnSlots must be a whole number >= 0 and headTurnPeriod positive");
  const counts = [p.uploadSlots, p.headUploadSlots, p.numwant, p.maxPeers, p.headMaxPeers];
  if (!counts.every(Number.isInteger) || p.uploadSlots < 0 || p.headUploadSlots < 0)
    bad("slots, numwant and peer limits must be whole numbers, slots >= 0");
  if (!(p.pieceSample >= 1 && p.fairnessRounds >= 1)) bad("pieceSample and fairnessRounds must be >= 1");
  if (p.startTimes && p.startTimes.length !== p.nodes) bad("startTimes needs one time per node");
  return p;
}

export function simulateSwarm(options: SwarmOptions): SwarmResult {
  const p = resolveParams(options);
  const N = p.nodes;
  const s = createState(p);
  const net = createNet(s);
  const tally = createTally(N);
  const startRng = createRng(p.seed ^ 0x9e3779b9);
  const start = Float64Array.from({ length: N }, (_, i) => p.startTimes?.[i] ?? startRng() * p.startSpread);
  const order = Array.from({ length: N }, (_, i) => i).sort((a, b) => start[a]! - start[b]! || a - b);
  const leaveAt = new Float64Array(N).fill(Number.POSITIVE_INFINITY);
  const torrent = p.transport === "torrent";
  const bytesPerSec = (bps: number) => (bps * p.efficiency) / 8;
  const maxTime =
    p.maxTime > 0
      ? p.maxTime
      : start.reduce((a, b) => Math.max(a, b), 0) +
        3 * ((N * p.imageBytes) / bytesPerSec(Math.min(p.headBps, p.seederBps, p.nodeBps * N))) +
        300;
  let joined = 0;
  let finished = 0;
  let step = 0;
  for (let t = 0; finished < N && t <= maxTime; t = ++step * p.dt) {
    for (; joined < N && start[order[joined]!]! <= t; joined++) {
      const d = order[joined]!;
      s.live[d] = 1;
      s.lastProgress[d] = t;
      s.nextRechoke[d] = t + p.rechokePeriod;
      s.budget[d] = 1;
      s.webOn[d] = Number(!torrent || p.webSeed === "always");
      if (torrent) announce(s, d, t);
    }
    for (let d = 0; d < N; d++) {
      if (s.live[d] !== 1) continue;
      if (leaveAt[d]! <= t || (s.done[d] === 1 && tally.uploaded[d]! >= p.seedRatio * p.imageBytes)) {
        leave(s, d);
        continue;
      }
      if (torrent && t >= s.nextAnnounce[d]!) announce(s, d, t);
      if (torrent) tryConnections(s, d);
      const stalled = t - s.lastProgress[d]! >= p.stallSeconds;
      if (p.webSeed === "fallback" && !s.done[d] && stalled) s.webOn[d] = 1;
    }
    if (torrent)
      for (let h = 0; h <= N; h++) {
        const periodic = t >= s.nextRechoke[h]!;
        if (s.live[h] === 1 && (periodic || s.rechokeDue[h])) rechoke(s, h, t, periodic);
      }
    buildFlows(s, net, t);
    share(net, p.fairnessRounds);
    deliver(s, net, tally, t);
    for (let i = 0; i < net.nDone; i++) {
      const d = net.justDone[i]!;
      finished++;
      s.webOn[d] = 0;
      if (torrent) dropSeeders(s, d);
      leaveAt[d] = tally.finishAt[d]! + p.seedTail;
    }
  }
  return summarise(p, start, tally, step);
}

function summarise(
  p: SwarmParams,
  start: Float64Array,
  tally: ReturnType<typeof createTally>,
  steps: number,
) {
  const times = [...tally.finishAt].map((x) => (Number.isNaN(x) ? Number.POSITIVE_INFINITY : x));
  times.sort((a, b) => a - b);
  const received = tally.fromHead.reduce((a, b) => a + b, 0) + tally.webBytes;
  const fromPeers = tally.fromPeers.reduce((a, b) => a + b, 0);
  return {
    params: p,
    start,
    finish: tally.finishAt,
    tLast: times[times.length - 1]!,
    median: times[Math.floor((times.length - 1) / 2)]!,
    fromHead: tally.fromHead,
    fromWeb: tally.fromWeb,
    fromPeers: tally.fromPeers,
    uploaded: tally.uploaded,
    seederBytes: tally.seederBytes,
    webBytes: tally.webBytes,
    headCopies: (tally.seederBytes + tally.webBytes) / p.imageBytes,
    peerShare: fromPeers / (received + fromPeers || 1),
    rackUplinkBytes: tally.rackUpBytes,
    rackDownlinkBytes: tally.rackDownBytes,
    steps,
  } satisfies SwarmResult;
}
