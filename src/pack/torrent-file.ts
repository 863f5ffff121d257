/**
 * The .torrent of a packed image: single file, private, our tracker only, the tarball's full
 * URL on the daemon as web seed (BEP 19: a file URL, so aria2c can finish over plain HTTP when
 * no peer is reachable), pieces of 1-4 MiB by size (small pieces cost tracker/CPU overhead,
 * big ones delay the first share; sequential download wants a few hundred pieces at least).
 */
import bencode from "bencode";

export function pieceLengthFor(size: number): number {
  const MiB = 1024 * 1024;
  if (size <= 512 * MiB) return MiB;
  if (size <= 2048 * MiB) return 2 * MiB;
  return 4 * MiB;
}

export interface TorrentSpec {
  file: string;
  name: string;
  size: number;
  announce: string;
  webSeed: string;
  comment: string;
}

/**
 * Hashes the pieces with Bun's native SHA-1 and bencodes the metainfo ourselves: measured on a
 * 500 MB tarball, create-torrent took 3.9 s and this 1.3 s, and packing time is dominated by it.
 * (BEP 3 single-file layout; BEP 27 private flag; BEP 19 url-list.)
 */
export async function makeTorrent(spec: TorrentSpec): Promise<{ torrent: Uint8Array; infohash: string }> {
  const pieceLength = pieceLengthFor(spec.size);
  const file = Bun.file(spec.file);
  const size = file.size;
  const pieces = new Uint8Array(Math.ceil(size / pieceLength) * 20);
  for (let i = 0, off = 0; off < size; i++, off += pieceLength) {
    const chunk = await file.slice(off, Math.min(off + pieceLength, size)).arrayBuffer();
    pieces.set(new Bun.CryptoHasher("sha1").update(chunk).digest(), i * 20);
  }
  const info = { length: size, name: spec.name, "piece length": pieceLength, pieces, private: 1 };
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
