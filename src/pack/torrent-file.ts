/**
 * The .torrent of a packed image: single file, private, our tracker only, and no web seed: a
 * url-list makes every node stream the tarball from the head node beside the swarm, which at
 * scale turns the swarm into plain HTTP (docs/benchmarks.md); the install script adds the
 * tarball's URL as a web seed only when the swarm stalls. Pieces: see pieceLengthFor.
 * The pieces are hashed while the tarball is written, before its compressed size is known, so
 * the size that picks the piece length is the image tree's (an upper bound of the tarball's).
 */
import bencode from "bencode";

/**
 * Piece length for an image of `size` bytes: about 1,000 pieces or more, a power of two from
 * 64 KiB to 4 MiB (1 GiB → 1 MiB, 4 GiB → 4 MiB, 16 MiB → 64 KiB). With few pieces every node
 * wants the same pieces from the head node at once; measured in the emulated boot storm
 * (docs/benchmarks.md), 16 MiB at 1 MiB pieces against 64 KiB: N = 8 38.9 s and 2.7 copies from
 * the head against 25.6 s and 1.6 copies.
 */
export function pieceLengthFor(size: number): number {
  const KiB = 1024;
  let len = 64 * KiB;
  while (len < 4096 * KiB && size / len > 2047) len *= 2;
  return len;
}

export interface TorrentSpec {
  name: string;
  size: number;
  pieceLength: number;
  /** SHA-1 of every piece, concatenated (hashed by tarball.ts as the file is written) */
  pieces: Uint8Array;
  announce: string;
  comment: string;
}

/**
 * Bencodes the metainfo (BEP 3 single-file layout; BEP 27 private flag) from
 * pieces already hashed: create-torrent took 3.9 s on a 500 MB tarball, reading it back to hash.
 */
export function makeTorrent(spec: TorrentSpec): { torrent: Uint8Array; infohash: string } {
  const info = {
    length: spec.size,
    name: spec.name,
    "piece length": spec.pieceLength,
    pieces: spec.pieces,
    private: 1,
  };
  const infohash = new Bun.CryptoHasher("sha1").update(bencode.encode(info)).digest("hex");
  const torrent = bencode.encode({
    announce: spec.announce,
    "announce-list": [[spec.announce]],
    comment: spec.comment,
    "created by": "luna",
    "creation date": Math.floor(Date.now() / 1000),
    info,
  });
  return { torrent, infohash };
}
