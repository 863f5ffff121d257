/**
 * The aria2c info-log reader (scripts/lib/aria2-log.ts) on a hand-written log in aria2c's
 * format: bytes by source and second, a block that arrives twice, unchoke counts carried over
 * quiet seconds, and the missing-piece marks.
 */
import { expect, test } from "bun:test";
import { earliest, readNodeLog, renderNode, stamp } from "../../scripts/lib/aria2-log.ts";

const line = (t: string, rest: string) => `2026-12-02 10:00:${t} [INFO] [X.cc:1] CUID#7 - ${rest}`;
const LOG = [
  line("00.500000", "Logging started."),
  line("01.000000", "From: 10.30.255.254:7052 unchoke"),
  line("01.100000", "From: 10.30.255.254:7052 piece index=0, begin=0, length=16384"),
  line("01.100100", "we got new piece. index=0"),
  line("01.900000", "From: 10.30.0.2:6881 unchoke"),
  "HTTP/1.1 200 OK",
  line("03.200000", "From: 10.30.0.2:6881 piece index=1, begin=0, length=16384"),
  line("03.200100", "we got new piece. index=1"),
  line("03.300000", "From: 10.30.0.3:6881 piece index=1, begin=0, length=16384"),
  line("03.400000", "From: 10.30.0.2:6881 choke"),
].join("\n");

test("bytes by source and second, duplicates, unchokers and missing marks", () => {
  expect(stamp("continuation line")).toBeUndefined();
  expect((stamp(line("01.250000", "x")) as number) % 60).toBeCloseTo(1.25, 6);
  const t0 = earliest([LOG]);
  const n = readNodeLog(LOG, t0, "10.30.255.254", 2);
  expect(n.firstPiece).toBeCloseTo(0.6, 6);
  expect(n.lastPiece).toBeCloseTo(2.8, 6);
  expect(n.dupBytes).toBe(16384);
  expect(n.seconds.map((s) => [s.seeder, s.peers, s.dup, s.unchokedBy])).toEqual([
    [16384, 0, 0, 1], // second 0 (from 10:00:00.5): the seeder unchoked it and sent a piece
    [0, 0, 0, 2], // a peer unchoked it too, nothing arrived
    [0, 32768, 16384, 1], // piece 1 twice, then the peer choked it
  ]);
  // a quiet second keeps the count of the one before
  const quiet = readNodeLog(`${LOG}\n${line("06.000000", "Pool socket")}`, t0, "10.30.255.254", 2);
  expect(quiet.seconds.slice(3).map((s) => s.unchokedBy)).toEqual([1, 1, 1]);
  expect([...n.missingAt.keys()]).toEqual([1, 0]);
  expect(n.missingAt.get(1)).toBeCloseTo(0.6001, 6);
  expect(n.missingAt.get(0)).toBeCloseTo(2.7001, 6);
  expect(renderNode("node1", n)).toContain("0.02 MiB twice; 1 missing at 0.6, 0 missing at 2.7");
});
