/**
 * The .torrent of a packed image: single file, private, our tracker only, the tarball's full
 * URL on the daemon as web seed (BEP 19: a file URL, so aria2c can finish over plain HTTP when
 * no peer is reachable), pieces of 1-4 MiB by size (small pieces cost tracker/CPU overhead,
 * big ones delay the first share; sequential download wants a few hundred pieces at least).
 */
import createTorrent from "create-torrent";
import parseTorrent from "parse-torrent";

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

export async function makeTorrent(spec: TorrentSpec): Promise<{ torrent: Uint8Array; infohash: string }> {
  const torrent = await new Promise<Uint8Array>((resolve, reject) => {
    createTorrent(
      spec.file,
      {
        name: spec.name,
        pieceLength: pieceLengthFor(spec.size),
        announceList: [[spec.announce]],
        urlList: [spec.webSeed],
        private: true,
        createdBy: "luna",
        comment: spec.comment,
        creationDate: new Date(),
      },
      (err: Error | null, buf: Uint8Array) => (err ? reject(err) : resolve(buf)),
    );
  });
  const parsed = await parseTorrent(torrent);
  return { torrent, infohash: String(parsed.infoHash) };
}
