/**
 * BitTorrent HTTP tracker protocol, the pure part (BEP 3, compact peers BEP 23): parsing an
 * announce or scrape query and encoding answers. The query is parsed from the raw URL because
 * info_hash and peer_id are 20 raw bytes percent-encoded, which a normal query parser would
 * mangle into UTF-8. https://www.bittorrent.org/beps/bep_0003.html
 */
import bencode from "bencode";
import ipaddr from "ipaddr.js";
import { checkName } from "../domain/common.ts";
import { AppError } from "../domain/errors.ts";
import { canonicalIp, isLoopback } from "../domain/net/ip.ts";

export interface Announce {
  infohash: string;
  peerid: string;
  port: number;
  uploaded: number;
  downloaded: number;
  left: number;
  event: "" | "started" | "completed" | "stopped";
  numwant: number;
  compact: boolean;
  /** the `ip=` the peer claims; honoured only from loopback (see peerAddress) */
  ip: string | undefined;
  /** the node's name and boot credential, when its announce URL carries them (`?node=..&token=..`) */
  node: string | undefined;
  token: string | undefined;
}

const bad = (why: string) => new AppError("INVALID_ARGUMENT", why);

/** Percent-decodes to bytes (not UTF-8); refuses malformed escapes. */
export function decodeBytes(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === "%") {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw bad("malformed percent-encoding");
      out.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (ch === "+") {
      out.push(0x20);
    } else {
      const code = ch.charCodeAt(0);
      if (code > 0x7e || code < 0x21) throw bad("malformed query");
      out.push(code);
    }
  }
  return Uint8Array.from(out);
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Splits a raw query string into decoded byte values; repeated keys keep every value. */
export function rawQuery(url: string): Map<string, Uint8Array[]> {
  const q = url.indexOf("?");
  const map = new Map<string, Uint8Array[]>();
  if (q < 0) return map;
  const text = url.slice(q + 1);
  if (text.length > 4096) throw bad("query too long");
  for (const part of text.split("&")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const key = new TextDecoder().decode(decodeBytes(eq < 0 ? part : part.slice(0, eq)));
    const value = decodeBytes(eq < 0 ? "" : part.slice(eq + 1));
    map.set(key, [...(map.get(key) ?? []), value]);
  }
  return map;
}

const str = (q: Map<string, Uint8Array[]>, key: string) => {
  const v = q.get(key)?.[0];
  return v === undefined ? undefined : new TextDecoder().decode(v);
};

function int(
  q: Map<string, Uint8Array[]>,
  key: string,
  fallback: number | undefined,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const v = str(q, key);
  if (v === undefined || v === "") {
    if (fallback === undefined) throw bad(`missing ${key}`);
    return fallback;
  }
  if (!/^\d{1,16}$/.test(v) || Number(v) > max) throw bad(`invalid ${key}`);
  return Number(v);
}

function twenty(q: Map<string, Uint8Array[]>, key: string): string {
  const v = q.get(key)?.[0];
  if (!v) throw bad(`missing ${key}`);
  if (v.length !== 20) throw bad(`${key} is not 20 bytes`);
  return hex(v);
}

/** `node=`: a node name, by the store's naming rule (at most 63 characters). */
function nodeParam(q: Map<string, Uint8Array[]>): string | undefined {
  const v = str(q, "node");
  if (v === undefined) return undefined;
  try {
    return checkName("node", v);
  } catch {
    throw bad("invalid node: give 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit");
  }
}

/** `token=`: the node's boot credential, hex (lower-cased), at most 128 digits. */
function tokenParam(q: Map<string, Uint8Array[]>): string | undefined {
  const v = str(q, "token");
  if (v === undefined) return undefined;
  if (!/^[0-9a-fA-F]{1,128}$/.test(v)) throw bad("invalid token: give 1-128 hex digits");
  return v.toLowerCase();
}

export function parseAnnounce(url: string, maxPeers: number): Announce {
  const q = rawQuery(url);
  const event = str(q, "event") ?? "";
  if (!["", "started", "completed", "stopped"].includes(event)) throw bad("invalid event");
  const port = int(q, "port", undefined, 65535);
  if (port < 1) throw bad("invalid port");
  const ip = str(q, "ip");
  let peerIp: string | undefined;
  if (ip && ip !== "0.0.0.0") {
    try {
      peerIp = canonicalIp(ip);
    } catch {
      throw bad("invalid ip: give a dotted IPv4 or an IPv6 address, or leave ip out");
    }
  }
  return {
    infohash: twenty(q, "info_hash"),
    peerid: twenty(q, "peer_id"),
    port,
    uploaded: int(q, "uploaded", 0),
    downloaded: int(q, "downloaded", 0),
    left: int(q, "left", 0),
    event: event as Announce["event"],
    numwant: Math.min(int(q, "numwant", 50, 100_000), maxPeers),
    compact: str(q, "compact") !== "0",
    ip: peerIp,
    node: nodeParam(q),
    token: tokenParam(q),
  };
}

/**
 * The address a peer is stored under: the socket's. A peer's own `ip=` would let anyone plant
 * peers for any address, so it is honoured only from loopback, where test setups run several
 * peers on one host; from anywhere else it is ignored (`ignored` says it differed). Undefined
 * when the socket's address is not an address (no socket, as in `app.handle`).
 */
export function peerAddress(
  remote: string,
  claimed: string | undefined,
): { ip: string; ignored: boolean } | undefined {
  if (!ipaddr.isValid(remote)) return undefined;
  // A dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d; peers are stored as a.b.c.d.
  const socket = ipaddr.process(remote);
  const ip = socket.toString();
  if (claimed === undefined) return { ip, ignored: false };
  if (isLoopback(ip)) return { ip: claimed, ignored: false };
  return { ip, ignored: claimed !== ip };
}

export function parseScrape(url: string): string[] {
  return (rawQuery(url).get("info_hash") ?? []).map((v) => {
    if (v.length !== 20) throw bad("info_hash is not 20 bytes");
    return hex(v);
  });
}

export interface PeerOut {
  ip: string;
  port: number;
  peerid: string;
}

export function encodePeers(
  peers: PeerOut[],
  compact: boolean,
): { peers: Uint8Array | object[]; peers6?: Uint8Array } {
  if (!compact) {
    return { peers: peers.map((p) => ({ "peer id": Buffer.from(p.peerid, "hex"), ip: p.ip, port: p.port })) };
  }
  // Stored peers come from parseAnnounce or the socket; a malformed one is skipped, never thrown on.
  const v4 = peers.filter(
    (p) => /^\d+\.\d+\.\d+\.\d+$/.test(p.ip) && p.ip.split(".").every((o) => Number(o) <= 255),
  );
  const buf = Buffer.alloc(v4.length * 6);
  v4.forEach((p, i) => {
    p.ip.split(".").forEach((o, k) => {
      buf.writeUInt8(Number(o), i * 6 + k);
    });
    buf.writeUInt16BE(p.port, i * 6 + 4);
  });
  return { peers: buf };
}

export const bencodeBody = (value: object): Uint8Array => bencode.encode(value);

/**
 * A scrape answer: `files` is keyed by the raw 20-byte info-hash (BEP 48). Written here because
 * the bencode encoder turns string keys into UTF-8 (a byte >= 0x80 would become two) and sorts
 * byte-array keys as text; hex order is the raw bytes' order.
 */
export function scrapeBody(files: Map<string, object>): Uint8Array {
  const parts: Uint8Array[] = [new TextEncoder().encode("d5:filesd")];
  for (const h of [...files.keys()].sort()) {
    parts.push(
      new TextEncoder().encode("20:"),
      Buffer.from(h, "hex"),
      bencode.encode(files.get(h) as object),
    );
  }
  parts.push(new TextEncoder().encode("ee"));
  return Buffer.concat(parts);
}
export const failure = (reason: string): Uint8Array => bencode.encode({ "failure reason": reason });
