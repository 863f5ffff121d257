// Shell files under node/, embedded as text (imported with `with { type: "text" }`).
declare module "*.sh" {
  const text: string;
  export default text;
}

declare module "bencode" {
  const bencode: {
    encode(value: unknown): Uint8Array;
    decode(data: Uint8Array, encoding?: string): unknown;
  };
  export default bencode;
}

declare module "create-torrent" {
  function createTorrent(
    input: string | Uint8Array,
    opts: Record<string, unknown>,
    cb: (err: Error | null, torrent: Uint8Array) => void,
  ): void;
  export default createTorrent;
}

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

declare module "net-snmp";

// webtorrent is a test-only dependency (the compatibility test's leecher).
declare module "webtorrent";
