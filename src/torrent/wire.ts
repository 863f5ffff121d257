/**
 * The BitTorrent peer wire protocol, the pure part (BEP 3, with the Fast extension of BEP 6):
 * the handshake, message framing and the few messages a seeding-only peer sends or reads.
 * Parsing is defensive: a malformed or oversized message is an error (the connection is
 * closed), never an exception that escapes. https://www.bittorrent.org/beps/bep_0003.html
 */

export const PROTOCOL = "BitTorrent protocol";
export const HANDSHAKE_LENGTH = 68;
/** The largest block a peer may request (BEP 3 says 16 KiB; clients accept up to 128 KiB). */
export const MAX_BLOCK = 128 * 1024;

export const MSG = {
  choke: 0,
  unchoke: 1,
  interested: 2,
  notInterested: 3,
  have: 4,
  bitfield: 5,
  request: 6,
  piece: 7,
  cancel: 8,
  suggest: 0x0d,
  haveAll: 0x0e,
  haveNone: 0x0f,
  reject: 0x10,
  allowedFast: 0x11,
} as const;

export interface Handshake {
  infohash: string;
  peerid: string;
  /** the peer supports BEP 6 (HAVE_ALL, HAVE_NONE, REJECT) */
  fast: boolean;
}

export function encodeHandshake(infohash: string, peerid: Uint8Array): Uint8Array {
  const b = new Uint8Array(HANDSHAKE_LENGTH);
  b[0] = PROTOCOL.length;
  b.set(new TextEncoder().encode(PROTOCOL), 1);
  b[27] = 0x04; // reserved bit 62: the Fast extension
  b.set(Buffer.from(infohash, "hex"), 28);
  b.set(peerid.subarray(0, 20), 48);
  return b;
}

/** Parses the first 68 bytes of a connection; undefined when they are not a handshake. */
export function parseHandshake(b: Uint8Array): Handshake | undefined {
  if (b.length < HANDSHAKE_LENGTH || b[0] !== PROTOCOL.length) return undefined;
  if (new TextDecoder().decode(b.subarray(1, 20)) !== PROTOCOL) return undefined;
  return {
    infohash: Buffer.from(b.subarray(28, 48)).toString("hex"),
    peerid: Buffer.from(b.subarray(48, 68)).toString("hex"),
    fast: ((b[27] ?? 0) & 0x04) !== 0,
  };
}

export interface Message {
  id: number;
  payload: Uint8Array;
}

/** One message: 4-byte length, id, payload. */
export function encodeMessage(id: number, ...words: number[]): Uint8Array {
  const b = Buffer.alloc(5 + 4 * words.length);
  b.writeUInt32BE(1 + 4 * words.length, 0);
  b.writeUInt8(id, 4);
  words.forEach((w, i) => {
    b.writeUInt32BE(w, 5 + 4 * i);
  });
  return b;
}

/** The header of a PIECE message carrying `length` bytes of piece `index` from `begin`. */
export function pieceHeader(index: number, begin: number, length: number): Uint8Array {
  const b = Buffer.alloc(13);
  b.writeUInt32BE(9 + length, 0);
  b.writeUInt8(MSG.piece, 4);
  b.writeUInt32BE(index, 5);
  b.writeUInt32BE(begin, 9);
  return b;
}

/**
 * Reassembles messages from a byte stream. `maxLength` bounds a message (a bitfield of a big
 * image is the largest thing a leecher sends us); anything longer is an error.
 */
export class MessageReader {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly maxLength: number) {}

  /** Appends bytes and returns the complete messages (keep-alives dropped), or an error. */
  push(data: Uint8Array): Message[] | Error {
    this.buf = this.buf.length === 0 ? Buffer.from(data) : Buffer.concat([this.buf, data]);
    const out: Message[] = [];
    let at = 0;
    while (this.buf.length - at >= 4) {
      const len = this.buf.readUInt32BE(at);
      if (len > this.maxLength) return new Error(`message of ${len} bytes is too long`);
      if (this.buf.length - at < 4 + len) break;
      if (len > 0) {
        out.push({ id: this.buf[at + 4] as number, payload: this.buf.subarray(at + 5, at + 4 + len) });
      }
      at += 4 + len;
    }
    this.buf = this.buf.subarray(at);
    return out;
  }
}

/** The 32-bit words of a fixed-size payload (HAVE, REQUEST, CANCEL), or undefined. */
export function words(payload: Uint8Array, count: number): number[] | undefined {
  if (payload.length !== 4 * count) return undefined;
  const b = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  return Array.from({ length: count }, (_, i) => b.readUInt32BE(4 * i));
}

/** The piece indices set in a BITFIELD payload of `pieces` pieces, or undefined if malformed. */
export function bitfieldPieces(payload: Uint8Array, pieces: number): number[] | undefined {
  if (payload.length !== Math.ceil(pieces / 8)) return undefined;
  const have: number[] = [];
  for (let i = 0; i < pieces; i++) if (((payload[i >> 3] ?? 0) >> (7 - (i & 7))) & 1) have.push(i);
  // spare bits at the end must be zero
  for (let i = pieces; i < payload.length * 8; i++)
    if (((payload[i >> 3] ?? 0) >> (7 - (i & 7))) & 1) return undefined;
  return have;
}

/** A BITFIELD message saying we have every one of `pieces` pieces. */
export function fullBitfield(pieces: number): Uint8Array {
  const bits = new Uint8Array(Math.ceil(pieces / 8));
  for (let i = 0; i < pieces; i++) bits[i >> 3] = (bits[i >> 3] as number) | (0x80 >> (i & 7));
  const b = Buffer.alloc(5 + bits.length);
  b.writeUInt32BE(1 + bits.length, 0);
  b[4] = MSG.bitfield;
  b.set(bits, 5);
  return b;
}
