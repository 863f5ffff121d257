/** TFTP packet parsing and option negotiation: tables of bytes → meaning. */
import { expect, test } from "bun:test";
import { BadPacket, MAX_TIMEOUT_S, negotiate, parsePacket } from "../../src/tftp/packet.ts";

const bytes = (op: number, ...fields: string[]) =>
  Uint8Array.from([0, op, ...fields.flatMap((f) => [...new TextEncoder().encode(f), 0])]);

test("read requests parse with their options, lower-cased", () => {
  expect(parsePacket(bytes(1, "undionly.kpxe", "OCTET", "BLKSIZE", "1468", "tsize", "0"))).toEqual({
    kind: "request",
    op: "read",
    file: "undionly.kpxe",
    mode: "octet",
    options: new Map([
      ["blksize", "1468"],
      ["tsize", "0"],
    ]),
  });
  expect(parsePacket(Uint8Array.from([0, 4, 1, 2]))).toEqual({ kind: "ack", block: 258 });
});

test("malformed packets are refused with a reason", () => {
  const bad: [Uint8Array, RegExp][] = [
    [Uint8Array.from([0, 1, 0]), /too short/],
    [Uint8Array.from([0, 1, 65, 66]), /not NUL-terminated/],
    [bytes(1, "file"), /without a file name or mode/],
    [bytes(1, "file", "octet", "blksize"), /option without a value/],
    [Uint8Array.from([0, 1, 1, 0, 111, 0]), /non-printable/],
    [new Uint8Array(2000).fill(65).fill(0, 0, 1).fill(1, 1, 2), /longer than 1024/],
  ];
  for (const [buf, why] of bad) {
    expect(() => parsePacket(buf)).toThrow(BadPacket);
    expect(() => parsePacket(buf)).toThrow(why);
  }
});

test("negotiation clamps blksize, answers tsize, accepts short timeouts only, ignores the rest", () => {
  const o = { size: 70000, maxBlksize: 1468, defaultTimeoutS: 1 };
  const n = (opts: [string, string][]) => negotiate(new Map(opts), o);
  expect(
    n([
      ["blksize", "65464"],
      ["tsize", "0"],
      ["timeout", "3"],
    ]),
  ).toEqual({
    blksize: 1468,
    timeoutS: 3,
    ack: [
      ["blksize", "1468"],
      ["tsize", "70000"],
      ["timeout", "3"],
    ],
  });
  expect(
    n([
      ["blksize", "7"],
      ["timeout", String(MAX_TIMEOUT_S + 1)],
      ["tsize", "5"],
      ["multicast", ""],
    ]),
  ).toEqual({
    blksize: 512,
    timeoutS: 1,
    ack: [],
  });
  expect(n([["blksize", "abc"]]).ack).toEqual([]);
});
