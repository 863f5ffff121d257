/**
 * A seeding-only BitTorrent peer inside the daemon: it listens on one address and port, takes
 * connections from the nodes' aria2c, and serves blocks of the packed tarballs, offering pieces
 * with super-seeding (superseed.ts) so that the head node sends each piece once before any twice.
 * It never downloads and never connects out. Connections are bounded in number, in handshake
 * time and in what they may send; a malformed message closes the connection.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { type GreetingStep, greeting } from "./mse.ts";
import { createSuperSeed, type SuperPeer, type SuperSeed } from "./superseed.ts";
import {
  bitfieldPieces,
  encodeHandshake,
  encodeMessage,
  fullBitfield,
  HANDSHAKE_LENGTH,
  MAX_BLOCK,
  MessageReader,
  MSG,
  parseHandshake,
  pieceHeader,
  words,
} from "./wire.ts";

export interface ServedTorrent {
  infohash: string;
  path: string;
  length: number;
  pieceLength: number;
}

export interface PeerServerOptions {
  host: string;
  port: number;
  peerId: Uint8Array;
  /** offers outstanding per peer (super-seeding depth) */
  depth?: number;
  /** false: plain seeding (every piece announced at once) */
  superseed?: boolean;
  /** at most this many connections (default 1000) */
  maxConnections?: number;
  /** a connection that has not shaken hands by then is closed (default 10 s) */
  handshakeMs?: number;
  /** told when a torrent's every piece is on some node: what the seeder sent until then */
  onSpread?: (infohash: string, uploaded: number) => void;
}

interface Torrent extends ServedTorrent {
  fd: number;
  pieces: number;
  plan: SuperSeed;
  conns: Set<Conn>;
  uploaded: number;
}

interface Conn {
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
}

const MAX_QUEUE = 256; // requests queued per connection; more are rejected
export function createPeerServer(o: PeerServerOptions) {
  const torrents = new Map<string, Torrent>();
  const all = new Set<Conn>();
  let uploadedGone = 0;
  let mseHandshakes = 0;
  const buf = Buffer.alloc(MAX_BLOCK);
  const pieceSize = (t: Torrent, i: number) =>
    i === t.pieces - 1 ? t.length - i * t.pieceLength : t.pieceLength;

  const send = (c: Conn, data: Uint8Array): void => {
    if (c.backlog) {
      c.backlog = Buffer.concat([c.backlog, data]);
      return;
    }
    const n = c.sock.write(data);
    if (n < data.length) c.backlog = Buffer.from(data.subarray(Math.max(0, n)));
  };
  const announce = (c: Conn) => {
    if (!c.torrent || !c.peer) return;
    for (const i of c.torrent.plan.offers(c.peer)) send(c, encodeMessage(MSG.have, i));
  };

  /** Serves queued requests while the socket takes them. */
  const pump = (c: Conn) => {
    const t = c.torrent;
    while (t && c.peer && !c.backlog && c.queue.length > 0) {
      const [index, begin, length] = c.queue.shift() as [number, number, number];
      const n = readSync(t.fd, buf, 0, length, index * t.pieceLength + begin);
      if (n !== length) {
        c.sock.end();
        return;
      }
      send(c, Buffer.concat([pieceHeader(index, begin, length), buf.subarray(0, length)]));
      t.uploaded += length;
      t.plan.sent(c.peer, index, begin + length, pieceSize(t, index));
      if (!c.peer.offered.has(index)) announce(c);
    }
  };

  const onMessage = (c: Conn, id: number, payload: Uint8Array): boolean => {
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
    announce(c);
    return true;
  };

  const start = (c: Conn) => {
    const h = parseHandshake(c.hs);
    const t = h && torrents.get(h.infohash);
    if (!h || !t) {
      c.sock.end();
      return;
    }
    clearTimeout(c.timer);
    c.torrent = t;
    c.fast = h.fast;
    c.peer = t.plan.addPeer();
    t.conns.add(c);
    // the largest message a leecher sends is its bitfield
    c.reader = new MessageReader(Math.max(64, 1 + Math.ceil(t.pieces / 8)));
    send(c, encodeHandshake(t.infohash, o.peerId));
    if (t.plan.plain) {
      // a full BITFIELD, not HAVE_ALL: webtorrent 3 stays interested and never requests after HAVE_ALL
      send(c, fullBitfield(t.pieces));
    } else if (c.fast) send(c, encodeMessage(MSG.haveNone));
    announce(c);
    const rest = c.hs.subarray(HANDSHAKE_LENGTH);
    if (rest.length > 0) data(c, rest);
  };

  const data = (c: Conn, chunk: Uint8Array) => {
    if (c.greet) {
      // aria2c starts with the encrypted handshake; it is answered, choosing plaintext.
      const step = c.greet(chunk);
      if (step.kind === "fail") {
        c.sock.end();
        return;
      }
      if (step.reply) send(c, step.reply);
      if (step.kind === "wait") return;
      c.greet = undefined;
      if (step.encrypted) mseHandshakes++;
      chunk = step.bytes;
    }
    if (!c.reader) {
      c.hs = Buffer.concat([c.hs, chunk]);
      if (c.hs.length > 4096) c.sock.end();
      else if (c.hs.length >= HANDSHAKE_LENGTH) start(c);
      return;
    }
    const msgs = c.reader.push(chunk);
    if (msgs instanceof Error) {
      c.sock.end();
      return;
    }
    for (const m of msgs) {
      if (!onMessage(c, m.id, m.payload)) {
        c.sock.end();
        return;
      }
    }
    pump(c);
  };

  const listener = Bun.listen<Conn>({
    hostname: o.host,
    port: o.port,
    socket: {
      open(sock) {
        const greet = greeting(() => [...torrents.keys()]);
        const c: Conn = { sock, hs: Buffer.alloc(0), fast: false, queue: [], greet };
        sock.data = c;
        if (all.size >= (o.maxConnections ?? 1000)) {
          sock.end();
          return;
        }
        all.add(c);
        c.timer = setTimeout(() => {
          if (!c.reader) sock.end();
        }, o.handshakeMs ?? 10_000);
      },
      data(sock, chunk) {
        data(sock.data, chunk);
      },
      drain(sock) {
        const c = sock.data;
        const b = c.backlog;
        c.backlog = undefined;
        if (b) send(c, b);
        pump(c);
      },
      close(sock) {
        const c = sock.data;
        clearTimeout(c.timer);
        all.delete(c);
        if (c.torrent && c.peer) {
          c.torrent.conns.delete(c);
          c.torrent.plan.removePeer(c.peer);
        }
      },
      error() {},
    },
  });

  return {
    port: listener.port,
    /** Starts serving a torrent (a complete tarball on disk). */
    add(s: ServedTorrent): void {
      if (torrents.has(s.infohash)) return;
      const pieces = Math.ceil(s.length / s.pieceLength);
      const onSpread = () => o.onSpread?.(s.infohash, torrents.get(s.infohash)?.uploaded ?? 0);
      const plan = createSuperSeed({ pieces, depth: o.depth, plain: o.superseed === false, onSpread });
      const fd = openSync(s.path, "r");
      torrents.set(s.infohash, { ...s, fd, pieces, plan, conns: new Set(), uploaded: 0 });
    },
    remove(infohash: string): void {
      const t = torrents.get(infohash);
      if (!t) return;
      torrents.delete(infohash);
      for (const c of t.conns) c.sock.end();
      uploadedGone += t.uploaded;
      closeSync(t.fd);
    },
    has: (infohash: string) => torrents.has(infohash),
    stats: () => ({
      uploaded: uploadedGone + [...torrents.values()].reduce((n, t) => n + t.uploaded, 0),
      torrents: torrents.size,
      peers: [...torrents.values()].reduce((n, t) => n + t.conns.size, 0),
      byInfohash: Object.fromEntries([...torrents].map(([h, t]) => [h, t.uploaded])),
      mseHandshakes,
    }),
    close(): void {
      for (const c of all) c.sock.end();
      listener.stop(true);
      for (const t of torrents.values()) closeSync(t.fd);
      torrents.clear();
    },
  };
}
export type PeerServer = ReturnType<typeof createPeerServer>;
