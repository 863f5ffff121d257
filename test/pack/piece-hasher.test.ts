import { expect, test } from "bun:test";
import { PieceHasher } from "../../src/pack/torrent-file.ts";

const sha1 = (b: Uint8Array) => new Bun.CryptoHasher("sha1").update(b).digest("hex");
const hex = (pieces: Uint8Array) =>
  Array.from({ length: pieces.length / 20 }, (_, i) =>
    Buffer.from(pieces.subarray(i * 20, i * 20 + 20)).toString("hex"),
  );

test.each([
  ["chunks smaller than a piece", 1000, 37],
  ["chunks larger than a piece", 1000, 2500],
  ["chunks exactly a piece", 1000, 1000],
  ["one chunk for everything", 1000, 1_000_000],
])("PieceHasher matches per-piece SHA-1 with %s", (_, pieceLength, chunk) => {
  const data = new Uint8Array(7 * 1000 + 123);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 255;
  const h = new PieceHasher(pieceLength);
  for (let off = 0; off < data.length; off += chunk) h.update(data.subarray(off, off + chunk));
  const want = [];
  for (let off = 0; off < data.length; off += pieceLength)
    want.push(sha1(data.subarray(off, off + pieceLength)));
  expect(want.length).toBe(8);
  expect(hex(h.digest())).toEqual(want);
});

test("PieceHasher of a stream that ends on a piece boundary has no empty last piece", () => {
  const h = new PieceHasher(4);
  h.update(new Uint8Array(8));
  expect(h.digest().length).toBe(40);
});
