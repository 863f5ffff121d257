/**
 * One connection of the head node's seeder (peer-server.ts): its state, and what each message a
 * leecher sends does to it. A malformed message returns false and the server closes the
 * connection; requests are checked against what was offered and queued, at most MAX_QUEUE.
 */
import type { GreetingStep } from "./mse.ts";
import type { SuperPeer, SuperSeed } from "./superseed.ts";
import { bitfieldPieces, encodeMessage, MAX_BLOCK, type MessageReader, MSG, words } from "./wire.ts";

export interface ServedTorrent {
  infohash: string;
  path: string;
  length: number;
  pieceLength: number;
}

export interface Torrent extends ServedTorrent {
  fd: number;
  pieces: number;
  plan: SuperSeed;
  conns: Set<Conn>;
  /** the connection of each super-seeding peer, to hand it offers freed elsewhere */
  byPeer: Map<SuperPeer, Conn>;
  uploaded: number;
}

export interface Conn {
  sock: Bun.Socket<Conn>;
  hs: Buffer;
  /** the connection's first bytes (plain or MSE handshake) until they are through */
  greet?: (chunk: Uint8Array) => GreetingStep;
  torrent?: Torrent;
  peer?: SuperPeer;
  reader?: MessageReader;
  fast: boolean;
  queue: [number, number, number][];
  unchoked?: boolean;
  backlog?: Uint8Array;
  timer?: ReturnType<typeof setTimeout>;
  /** we dialled it for this info-hash (and sent our handshake first) */
  dialled?: string;
  /** settles the dial's promise: connected (our handshake written) or failed */
  through?: () => void;
  /** the client's peer id, from its handshake */
  peerid?: string;
  /** a second connection of a client already connected: answered, then ignored */
  twin?: boolean;
}

const MAX_QUEUE = 256; // requests queued per connection; more are rejected

export type Send = (c: Conn, data: Uint8Array) => void;

export const pieceSize = (t: Torrent, i: number) =>
  i === t.pieces - 1 ? t.length - i * t.pieceLength : t.pieceLength;

/** New super-seeding offers (or, in plain mode, every piece) for the connection, as HAVEs. */
export function offer(c: Conn, send: Send): void {
  if (!c.torrent || !c.peer) return;
  for (const i of c.torrent.plan.offers(c.peer)) send(c, encodeMessage(MSG.have, i));
}

/** Offers freed by another connection (super-seeding's `refill`) to the peers waiting for one. */
export function refill(t: Torrent, send: Send): void {
  for (const [p, pieces] of t.plan.refill()) {
    const c = t.byPeer.get(p);
    if (c) for (const i of pieces) send(c, encodeMessage(MSG.have, i));
  }
}

/** A message from the leecher; false: malformed, close the connection. */
export function onMessage(c: Conn, id: number, payload: Uint8Array, send: Send): boolean {
  const t = c.torrent as Torrent;
  const p = c.peer as SuperPeer;
  switch (id) {
    case MSG.have: {
      const w = words(payload, 1);
      if (!w || (w[0] as number) >= t.pieces) return false;
      t.plan.peerHas(p, w[0] as number);
      break;
    }
    case MSG.bitfield: {
      const have = bitfieldPieces(payload, t.pieces);
      if (!have) return false;
      for (const i of have) t.plan.peerHas(p, i);
      break;
    }
    case MSG.haveAll:
      for (let i = 0; i < t.pieces; i++) t.plan.peerHas(p, i);
      break;
    case MSG.request: {
      const w = words(payload, 3);
      if (!w) return false;
      const [index, begin, length] = w as [number, number, number];
      const ok =
        index < t.pieces &&
        p.announced[index] === 1 &&
        length > 0 &&
        length <= MAX_BLOCK &&
        begin + length <= pieceSize(t, index);
      if (!ok || c.queue.length >= MAX_QUEUE) {
        if (c.fast) send(c, encodeMessage(MSG.reject, index, begin, length));
        break;
      }
      c.queue.push([index, begin, length]);
      break;
    }
    case MSG.cancel: {
      const w = words(payload, 3);
      if (!w) return false;
      c.queue = c.queue.filter((r) => !(r[0] === w[0] && r[1] === w[1] && r[2] === w[2]));
      break;
    }
    case MSG.interested:
      if (!c.unchoked) send(c, encodeMessage(MSG.unchoke)); // once: webtorrent 3 misses an early one
      c.unchoked = true;
      break;
    default:
      break; // choke, unchoke, not interested, extensions: nothing to do for a seed
  }
  offer(c, send);
  return true;
}
