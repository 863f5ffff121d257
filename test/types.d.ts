// Test-only dependencies without types of their own.

declare module "parse-torrent" {
  function parseTorrent(input: Uint8Array | string): Promise<{
    infoHash: string;
    name?: string;
    length?: number;
    pieceLength: number;
    /** SHA-1 of every piece, hex */
    pieces: string[];
    urlList: string[];
    announce: string[];
  }>;
  export default parseTorrent;
}

// The compatibility test's leecher.
declare module "webtorrent";
