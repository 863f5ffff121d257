/**
 * The .torrent of a packed image: single file, private, our tracker only, and no web seed: a
 * url-list makes every node stream the tarball from the head node beside the swarm, which at
 * scale turns the swarm into plain HTTP (docs/benchmarks.md); the install script adds the
 * tarball's URL as a web seed only when the swarm stalls. Pieces: see pieceLengthFor.
 * The pieces are hashed while the tarball is written, before its compressed size is known, so
 * the size that picks the piece length is the image tree's (an upper bound of the tarball's).
 */
import bencode from "bencode";

export function pieceLengthFor(size: number): number {
  const MiB = 1024 * 1024;
  if (size <= 512 * MiB) return MiB;
  if (size <= 2048 * MiB) return 2 * MiB;
  return 4 * MiB;
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
