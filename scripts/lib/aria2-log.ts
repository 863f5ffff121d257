/**
 * Reads aria2c info logs (`--log=- --log-level=info`, one per node: `cluster-sim --keep
 * --node-env '{"LUNA_ARIA2_OPTS":"--log=- --log-level=info"}'` leaves them as node<i>.log) and
 * tells where a node's bytes came from second by second: from the head node's seeder or from
 * peers, how much arrived twice, and how many peers unchoked it. The boot storm's third pass
 * (docs/benchmarks.md) found the late dial, the starved nodes and the endgame duplicates this way.
 */

export interface NodeSeconds {
  /** seconds since the earliest line of all the logs read together */
  firstPiece?: number;
  lastPiece?: number;
  /** per second: bytes from the seeder, bytes from peers, bytes already held, peers unchoking */
  seconds: { seeder: number; peers: number; dup: number; unchokedBy: number }[];
  dupBytes: number;
  /** when the node was this many pieces short (20: aria2c's endgame starts) */
  missingAt: Map<number, number>;
}

const STAMP = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)\.(\d{6}) /;
const PIECE = /From: ([\d.]+):\d+ piece index=(\d+), begin=(\d+), length=(\d+)/;
const CHOKE = /From: ([\d.]+):\d+ (unchoke|choke)\s*$/;
const NEW_PIECE = /we got new piece\. index=(\d+)/;
const MARKS = [40, 20, 10, 5, 1, 0];

/** The time of a log line in seconds, or undefined for continuation lines. */
export function stamp(line: string): number | undefined {
  const m = STAMP.exec(line);
  return m ? Date.parse(`${m[1]}T${m[2]}Z`) / 1000 + Number(m[3]) / 1e6 : undefined;
}

/**
 * One node's log, in seconds from `t0`. `seeder` is the head node's address (its pieces count
 * apart); `pieces` the torrent's piece count (for the missing marks).
 */
export function readNodeLog(text: string, t0: number, seeder: string, pieces: number): NodeSeconds {
  const out: NodeSeconds = { seconds: [], dupBytes: 0, missingAt: new Map() };
  const blocks = new Set<string>();
  const unchoking = new Set<string>();
  let held = 0;
  // a second's unchoke count is the one at its end; seconds without events carry it over
  const at = (s: number) => {
    while (out.seconds.length <= s)
      out.seconds.push({ seeder: 0, peers: 0, dup: 0, unchokedBy: unchoking.size });
    return out.seconds[s] as NodeSeconds["seconds"][number];
  };
  for (const line of text.split("\n")) {
    const t = stamp(line);
    if (t === undefined) continue;
    const sec = at(Math.max(0, Math.floor(t - t0)));
    const p = PIECE.exec(line);
    if (p) {
      const [, ip, index, begin, length] = p as unknown as [string, string, string, string, string];
      const n = Number(length);
      if (ip === seeder) sec.seeder += n;
      else sec.peers += n;
      const key = `${index}/${begin}`;
      if (blocks.has(key)) {
        sec.dup += n;
        out.dupBytes += n;
      }
      blocks.add(key);
      out.firstPiece ??= t - t0;
      out.lastPiece = t - t0;
      continue;
    }
    const c = CHOKE.exec(line);
    if (c) {
      if (c[2] === "unchoke") unchoking.add(c[1] as string);
      else unchoking.delete(c[1] as string);
      sec.unchokedBy = unchoking.size;
      continue;
    }
    if (NEW_PIECE.test(line)) {
      held++;
      const missing = pieces - held;
      if (MARKS.includes(missing)) out.missingAt.set(missing, t - t0);
    }
  }
  return out;
}

/** The earliest time stamp of several logs (their common zero). */
export function earliest(texts: string[]): number {
  let t0 = Number.POSITIVE_INFINITY;
  for (const text of texts)
    for (const line of text.split("\n", 64)) {
      const t = stamp(line);
      if (t !== undefined) {
        t0 = Math.min(t0, t);
        break;
      }
    }
  return t0;
}

const mbit = (bytes: number) => ((bytes * 8) / 1e6).toFixed(1);

/** One line per node: its first and last piece, duplicates, the endgame marks, then per second "seeder/peers:unchokers". */
export function renderNode(name: string, n: NodeSeconds): string {
  const marks = [...n.missingAt].map(([m, t]) => `${m} missing at ${t.toFixed(1)}`).join(", ");
  const secs = n.seconds.map((s) => `${mbit(s.seeder)}/${mbit(s.peers)}:${s.unchokedBy}`).join(" ");
  return `${name}: pieces ${n.firstPiece?.toFixed(1) ?? "-"}-${n.lastPiece?.toFixed(1) ?? "-"} s, ${(n.dupBytes / 2 ** 20).toFixed(2)} MiB twice; ${marks}\n  ${secs}`;
}
