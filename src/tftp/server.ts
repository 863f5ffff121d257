/**
 * TFTP in the daemon (read-only), so the head node needs no tftpd for the iPXE ROMs: requests
 * on the listen port, one transfer per session on a port of its own (RFC 1350's transfer ID),
 * lock-step DATA/ACK with retransmission on timeout only (no sorcerer's apprentice), option
 * negotiation for blksize, tsize and timeout, at most `maxSessions` transfers at once.
 */
import type { udp } from "bun";
import { readInside } from "./files.ts";
import {
  BadPacket,
  dataPacket,
  ERR,
  errorPacket,
  type Negotiated,
  negotiate,
  oackPacket,
  parsePacket,
  type Request,
} from "./packet.ts";

type Udp = udp.Socket<"buffer">;

export interface TftpLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface TftpOptions {
  root: string;
  host: string;
  port: number;
  log: TftpLogger;
  maxSessions?: number;
  maxBlksize?: number;
  /** seconds before a packet is sent again (the client's timeout option overrides it) */
  timeoutS?: number;
  retries?: number;
  maxFileBytes?: number;
}

export interface TftpStats {
  sessions: number;
  sent: number;
  refused: number;
  abandoned: number;
  badPackets: number;
}

interface Session {
  sock: Udp;
  peer: { address: string; port: number };
  file: string;
  bytes: Uint8Array;
  neg: Negotiated;
  /** the block last sent (0 = the OACK) */
  block: number;
  last: Uint8Array;
  tries: number;
  timer?: ReturnType<typeof setTimeout>;
}

export function createTftpServer(o: TftpOptions) {
  const limits = {
    maxSessions: o.maxSessions ?? 64,
    maxBlksize: o.maxBlksize ?? 1468,
    timeoutS: o.timeoutS ?? 1,
    retries: o.retries ?? 5,
    maxFileBytes: o.maxFileBytes ?? 64 * 1024 * 1024,
  };
  const sessions = new Set<Session>();
  const stats: TftpStats = { sessions: 0, sent: 0, refused: 0, abandoned: 0, badPackets: 0 };
  let main: Udp | undefined;

  /** UDP send; a client gone away (ICMP port unreachable) surfaces here and ends nothing else. */
  const sendTo = (sock: Udp, packet: Uint8Array, port: number, address: string) => {
    try {
      sock.send(packet, port, address);
    } catch {
      // the peer's port is closed: its session times out and ends
    }
  };

  const lastBlock = (s: Session) => Math.floor(s.bytes.length / s.neg.blksize) + 1;

  function end(s: Session, why?: string) {
    clearTimeout(s.timer);
    if (!sessions.delete(s)) return;
    s.sock.close();
    if (why) {
      stats.abandoned++;
      o.log.warn("tftp transfer abandoned", { file: s.file, client: s.peer.address, why });
    } else {
      stats.sent++;
    }
  }

  function send(s: Session, packet: Uint8Array) {
    s.last = packet;
    s.tries = 0;
    sendTo(s.sock, packet, s.peer.port, s.peer.address);
    arm(s);
  }

  function arm(s: Session) {
    clearTimeout(s.timer);
    s.timer = setTimeout(() => {
      if (++s.tries > limits.retries)
        return end(s, `no ACK for block ${s.block} after ${limits.retries} retries`);
      sendTo(s.sock, s.last, s.peer.port, s.peer.address);
      arm(s);
    }, s.neg.timeoutS * 1000);
  }

  function sendBlock(s: Session, block: number) {
    const at = (block - 1) * s.neg.blksize;
    s.block = block;
    send(s, dataPacket(block, s.bytes.subarray(at, at + s.neg.blksize)));
  }

  function onSessionPacket(s: Session, buf: Uint8Array, port: number, address: string) {
    if (port !== s.peer.port || address !== s.peer.address) {
      sendTo(s.sock, errorPacket(ERR.UNKNOWN_TID, "unknown transfer ID"), port, address);
      return;
    }
    let p: ReturnType<typeof parsePacket>;
    try {
      p = parsePacket(buf);
    } catch {
      stats.badPackets++;
      return;
    }
    if (p.kind === "error") return end(s, `client error ${p.code}: ${p.message}`);
    if (p.kind !== "ack") {
      sendTo(s.sock, errorPacket(ERR.ILLEGAL, "illegal operation during a transfer"), port, address);
      return end(s, "illegal operation from the client");
    }
    // Only the ACK of the block in flight moves the transfer; duplicates are ignored.
    if (p.block !== (s.block & 0xffff)) return;
    if (s.block === lastBlock(s)) return end(s);
    sendBlock(s, s.block + 1);
  }

  async function start(
    req: Request,
    client: { address: string; port: number },
    reply: (p: Uint8Array) => void,
  ) {
    if (req.op === "write") return refuse(reply, ERR.ACCESS, "this server is read-only", req, client);
    if (req.mode !== "octet" && req.mode !== "netascii")
      return refuse(reply, ERR.ILLEGAL, `mode ${req.mode} is not supported`, req, client);
    if (sessions.size >= limits.maxSessions)
      return refuse(reply, ERR.UNDEFINED, "server busy, try again", req, client);
    const opened = readInside(o.root, req.file, limits.maxFileBytes);
    if (!opened.ok) return refuse(reply, ERR.NOT_FOUND, "file not found", req, client, opened.why);
    const neg = negotiate(req.options, {
      size: opened.bytes.length,
      maxBlksize: limits.maxBlksize,
      defaultTimeoutS: limits.timeoutS,
    });
    const session = { peer: client, file: req.file, bytes: opened.bytes, neg, block: 0, tries: 0 } as Session;
    session.sock = await Bun.udpSocket({
      hostname: o.host,
      port: 0,
      socket: {
        data: (_sock, buf, port, address) => onSessionPacket(session, buf, port, address),
        error: () => {},
      },
    });
    sessions.add(session);
    stats.sessions++;
    if (neg.ack.length > 0) send(session, oackPacket(neg.ack));
    else sendBlock(session, 1);
  }

  function refuse(
    reply: (p: Uint8Array) => void,
    code: number,
    message: string,
    req: Request,
    client: { address: string },
    why?: string,
  ) {
    stats.refused++;
    o.log.warn("tftp request refused", {
      file: req.file.slice(0, 100),
      client: client.address,
      why: why ?? message,
    });
    reply(errorPacket(code, message));
  }

  function onRequest(sock: Udp, buf: Uint8Array, port: number, address: string) {
    const reply = (p: Uint8Array) => sendTo(sock, p, port, address);
    let p: ReturnType<typeof parsePacket>;
    try {
      p = parsePacket(buf);
    } catch (e) {
      stats.badPackets++;
      if (e instanceof BadPacket) reply(errorPacket(ERR.ILLEGAL, e.message));
      return;
    }
    if (p.kind !== "request") {
      stats.badPackets++;
      // An ERROR is never answered (RFC 1350), anything else is not a request.
      if (p.kind !== "error") reply(errorPacket(ERR.ILLEGAL, "expected a read request"));
      return;
    }
    start(p, { address, port }, reply).catch((e) => o.log.warn("tftp session failed", { error: String(e) }));
  }

  return {
    name: "tftp",
    stats,
    /** the bound port (useful with port 0) */
    port: () => main?.port ?? 0,
    activeSessions: () => sessions.size,
    async start() {
      main = await Bun.udpSocket({
        hostname: o.host,
        port: o.port,
        socket: { data: (sock, buf, port, address) => onRequest(sock, buf, port, address), error: () => {} },
      });
      o.log.info(`tftp listening on ${o.host}:${main?.port}, serving ${o.root}`);
    },
    async stop() {
      for (const s of [...sessions]) end(s, "daemon stopping");
      main?.close();
      main = undefined;
    },
  };
}

export type TftpServer = ReturnType<typeof createTftpServer>;
