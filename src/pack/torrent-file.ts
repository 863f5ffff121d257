/**
 * The .torrent of a packed image: single file, private, our tracker only, the tarball's full
 * URL on the daemon as web seed (BEP 19: a file URL, so aria2c can finish over plain HTTP when
 * no peer is reachable), pieces of 1-4 MiB by size (small pieces cost tracker/CPU overhead,
 * big ones delay the first share; sequential download wants a few hundred pieces at least).
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
  /** SHA-1 of every piece, concatenated (from PieceHasher) */
  pieces: Uint8Array;
  announce: string;
  webSeed: string;
  comment: string;
}

/**
 * SHA-1 of fixed-size pieces of a stream fed in chunks of any size, with Bun's native hashing:
 * measured on a 500 MB tarball, create-torrent took 3.9 s to hash and encode, this 1.3 s when
 * it read the file back, and nothing extra when fed the stream as it is written.
 */
export class PieceHasher {
  private hash = new Bun.CryptoHasher("sha1");
  private filled = 0;
  private digests: Uint8Array[] = [];
  constructor(private readonly pieceLength: number) {}

  update(chunk: Uint8Array): void {
    let off = 0;
    while (off < chunk.length) {
      const take = Math.min(this.pieceLength - this.filled, chunk.length - off);
      this.hash.update(chunk.subarray(off, off + take));
      this.filled += take;
      off += take;
      if (this.filled === this.pieceLength) this.finishPiece();
    }
  }

  /** the `pieces` string: every piece's SHA-1, the last (short) piece included */
  digest(): Uint8Array {
    if (this.filled > 0) this.finishPiece();
    const out = new Uint8Array(this.digests.length * 20);
    for (const [i, d] of this.digests.entries()) out.set(d, i * 20);
    return out;
  }

  private finishPiece(): void {
    this.digests.push(this.hash.digest() as Uint8Array);
    this.hash = new Bun.CryptoHasher("sha1");
    this.filled = 0;
  }
}

/** Bencodes the metainfo (BEP 3 single-file layout; BEP 27 private flag; BEP 19 url-list). */
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
    "url-list": [spec.webSeed],
  });
  return { torrent, infohash };
}
