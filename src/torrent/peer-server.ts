/**
 * A seeding-only BitTorrent peer inside the daemon: it listens on one address and port, takes
 * connections from the nodes' aria2c, and serves blocks of the packed tarballs, offering pieces
 * with super-seeding (superseed.ts) so that the head node sends each piece once before any twice.
 * It never downloads. It connects out only to a leecher that just announced (`dial`), so the
 * first piece need not wait for the leecher's client to dial us. Connections are bounded in
 * number, in handshake time and in what they may send (peer-conn.ts); a malformed message
 * closes the connection.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { greeting } from "./mse.ts";
import {
  type Conn,
  offer,
  onMessage,
  pieceSize,
  refill,
  type ServedTorrent,
  type Torrent,
} from "./peer-conn.ts";
import { createSuperSeed } from "./superseed.ts";
import {
  encodeHandshake,
  encodeMessage,
  fullBitfield,
  HANDSHAKE_LENGTH,
  MAX_BLOCK,
  MessageReader,
  MSG,
  parseHandshake,
  pieceHeader,
} from "./wire.ts";

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

/** the longest an announce's answer waits for the seeder's dial to connect */
const DIAL_WAIT_MS = 100;

export function createPeerServer(o: PeerServerOptions) {
  const torrents = new Map<string, Torrent>();
  const all = new Set<Conn>();
  let uploadedGone = 0;
  let mseHandshakes = 0;
  let dialledOk = 0;
  const maxConnections = o.maxConnections ?? 1000;
  const buf = Buffer.alloc(MAX_BLOCK);

  const send = (c: Conn, data: Uint8Array): void => {
    if (c.backlog) {
      c.backlog = Buffer.concat([c.backlog, data]);
      return;
    }
    const n = c.sock.write(data);
    if (n < data.length) c.backlog = Buffer.from(data.subarray(Math.max(0, n)));
  };
  const announce = (c: Conn) => offer(c, send);

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

  const start = (c: Conn) => {
    const h = parseHandshake(c.hs);
    const t = h && torrents.get(h.infohash);
    if (!h || !t || (c.dialled && c.dialled !== h.infohash)) {
      c.sock.end();
      return;
    }
    // Ours went first on a connection we dialled.
    if (!c.dialled) send(c, encodeHandshake(t.infohash, o.peerId));
    // The same client again (we dialled it, then it dialled the address the tracker gave it):
    // handshake only, so the client itself drops the twin (aria2c: "same peer ID"), but no
    // offers on it. Its offers would be lost with it, and a peer with no first copies yet
    // holds up everyone else's turn. The handshake timer closes it if the client does not.
    if ([...t.conns].some((x) => x.peerid === h.peerid)) {
      c.twin = true;
      return;
    }
    clearTimeout(c.timer);
    c.peerid = h.peerid;
    if (c.dialled) dialledOk++;
    c.torrent = t;
    c.fast = h.fast;
    c.peer = t.plan.addPeer();
    t.conns.add(c);
    t.byPeer.set(c.peer, c);
    // the largest message a leecher sends is its bitfield
    c.reader = new MessageReader(Math.max(64, 1 + Math.ceil(t.pieces / 8)));
    if (t.plan.plain) {
      // a full BITFIELD, not HAVE_ALL: webtorrent 3 stays interested and never requests after HAVE_ALL
      send(c, fullBitfield(t.pieces));
    } else if (c.fast) send(c, encodeMessage(MSG.haveNone));
    announce(c);
    const rest = c.hs.subarray(HANDSHAKE_LENGTH);
    if (rest.length > 0) data(c, rest);
  };

  const data = (c: Conn, chunk: Uint8Array) => {
    if (c.twin) return;
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
      if (!onMessage(c, m.id, m.payload, send)) {
        c.sock.end();
        return;
      }
    }
    pump(c);
    if (c.torrent) refill(c.torrent, send);
  };

  const admit = (c: Conn): boolean => {
    if (all.size >= maxConnections) {
      c.sock.end();
      return false;
    }
    all.add(c);
    c.timer = setTimeout(() => {
      if (!c.reader) c.sock.end();
    }, o.handshakeMs ?? 10_000);
    return true;
  };
  const handlers: Bun.SocketHandler<Conn> = {
    open(sock) {
      if (sock.data?.dialled) {
        const c = sock.data;
        c.sock = sock;
        if (admit(c)) send(c, c.hs);
        c.hs = Buffer.alloc(0);
        c.through?.();
        return;
      }
      const greet = greeting(() => [...torrents.keys()]);
      sock.data = { sock, hs: Buffer.alloc(0), fast: false, queue: [], greet };
      admit(sock.data);
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
      if (c.torrent) refill(c.torrent, send);
    },
    close(sock) {
      const c = sock.data;
      clearTimeout(c.timer);
      all.delete(c);
      if (c.torrent && c.peer) {
        c.torrent.conns.delete(c);
        c.torrent.byPeer.delete(c.peer);
        c.torrent.plan.removePeer(c.peer);
        refill(c.torrent, send);
      }
    },
    error() {},
    connectError(sock) {
      sock.data?.through?.();
    },
  };
  const listener = Bun.listen<Conn>({ hostname: o.host, port: o.port, socket: handlers });
  /** "ip:port" of the leechers dialled lately, so an announce storm cannot make us dial in a loop */
  const lastDial = new Map<string, number>();

  return {
    port: listener.port,
    /** Starts serving a torrent (a complete tarball on disk). */
    add(s: ServedTorrent): void {
      if (torrents.has(s.infohash)) return;
      const pieces = Math.ceil(s.length / s.pieceLength);
      const onSpread = () => o.onSpread?.(s.infohash, torrents.get(s.infohash)?.uploaded ?? 0);
      const plan = createSuperSeed({ pieces, depth: o.depth, plain: o.superseed === false, onSpread });
      const fd = openSync(s.path, "r");
      torrents.set(s.infohash, { ...s, fd, pieces, plan, conns: new Set(), byPeer: new Map(), uploaded: 0 });
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
    /**
     * Connects to a leecher that just announced, so the first piece leaves before its client
     * gets round to dialling us (aria2c dials tracker peers on a one-second tick). Settles when
     * our handshake is on its way (or the dial failed, or after DIAL_WAIT_MS), so the tracker
     * answers after it (tracker.ts `joined`). At most once a minute per address, never past the
     * connection cap; a failed dial costs nothing.
     */
    dial(infohash: string, ip: string, port: number): Promise<void> {
      const key = `${ip}:${port}`;
      const now = Date.now();
      if (!torrents.has(infohash) || all.size >= maxConnections) return Promise.resolve();
      if ((lastDial.get(key) ?? 0) > now - 60_000) return Promise.resolve();
      if (lastDial.size > 10_000) lastDial.clear();
      lastDial.set(key, now);
      const hs = Buffer.from(encodeHandshake(infohash, o.peerId));
      const c = { hs, fast: false, queue: [], dialled: infohash } as unknown as Conn;
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, DIAL_WAIT_MS);
        c.through = () => {
          clearTimeout(timer);
          c.through = undefined;
          resolve();
        };
        Bun.connect<Conn>({ hostname: ip, port, data: c, socket: handlers }).catch(() => c.through?.());
      });
    },
    stats: () => ({
      uploaded: uploadedGone + [...torrents.values()].reduce((n, t) => n + t.uploaded, 0),
      torrents: torrents.size,
      peers: [...torrents.values()].reduce((n, t) => n + t.conns.size, 0),
      byInfohash: Object.fromEntries([...torrents].map(([h, t]) => [h, t.uploaded])),
      mseHandshakes,
      dialled: dialledOk,
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
