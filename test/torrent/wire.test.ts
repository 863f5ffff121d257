/** The peer wire protocol's pure part (src/torrent/wire.ts): handshakes, framing, bitfields. */
import { describe, expect, test } from "bun:test";
import {
  bitfieldPieces,
  encodeHandshake,
  encodeMessage,
  MessageReader,
  MSG,
  parseHandshake,
  pieceHeader,
  words,
} from "../../src/torrent/wire.ts";

const HASH = "0123456789abcdef0123456789abcdef01234567";
const PEER = new TextEncoder().encode("-LUNA1-0123456789abc");

describe("peer wire", () => {
  test("a handshake round-trips and says it speaks the Fast extension", () => {
    const h = parseHandshake(encodeHandshake(HASH, PEER));
    expect(h).toEqual({ infohash: HASH, peerid: Buffer.from(PEER).toString("hex"), fast: true });
  });

  test("anything else is not a handshake (an encrypted MSE start, a short or foreign greeting)", () => {
    const hs = encodeHandshake(HASH, PEER);
    expect(parseHandshake(hs.subarray(0, 67))).toBeUndefined();
    expect(parseHandshake(crypto.getRandomValues(new Uint8Array(96)))).toBeUndefined();
    const other = Uint8Array.from(hs);
    other[5] = 0x21;
    expect(parseHandshake(other)).toBeUndefined();
  });

  test("messages are framed across chunk boundaries, keep-alives dropped", () => {
    const r = new MessageReader(64);
    const stream = Buffer.concat([
      encodeMessage(MSG.have, 7),
      Buffer.alloc(4), // keep-alive
      encodeMessage(MSG.request, 1, 16384, 16384),
    ]);
    const a = r.push(stream.subarray(0, 6));
    const b = r.push(stream.subarray(6, 20));
    const c = r.push(stream.subarray(20));
    const all = [a, b, c].flatMap((x) => (x instanceof Error ? [] : x));
    expect(all.map((m) => m.id)).toEqual([MSG.have, MSG.request]);
    expect(words(all[0]?.payload as Uint8Array, 1)).toEqual([7]);
    expect(words(all[1]?.payload as Uint8Array, 3)).toEqual([1, 16384, 16384]);
  });

  test("an oversized message is an error, not an allocation", () => {
    const r = new MessageReader(64);
    const big = Buffer.alloc(8);
    big.writeUInt32BE(0x7fffffff, 0);
    expect(r.push(big)).toBeInstanceOf(Error);
  });

  test("a payload of the wrong size has no words", () => {
    expect(words(new Uint8Array(5), 1)).toBeUndefined();
  });

  test("bitfields: set bits are pieces, spare bits must be zero, the length must match", () => {
    expect(bitfieldPieces(Uint8Array.from([0b10100000, 0b01000000]), 10)).toEqual([0, 2, 9]);
    expect(bitfieldPieces(Uint8Array.from([0, 0b00100000]), 10)).toBeUndefined();
    expect(bitfieldPieces(Uint8Array.from([0]), 10)).toBeUndefined();
  });

  test("a PIECE header counts its block in the length", () => {
    const h = Buffer.from(pieceHeader(3, 16384, 100));
    expect(h.readUInt32BE(0)).toBe(109);
    expect(h[4]).toBe(MSG.piece);
    expect(h.readUInt32BE(5)).toBe(3);
    expect(h.readUInt32BE(9)).toBe(16384);
  });
});
