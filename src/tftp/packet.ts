/**
 * TFTP packets (RFC 1350) with option negotiation (RFC 2347: blksize 2348, timeout and tsize
 * 2349): parsing what clients send and encoding what the server answers. Pure; a malformed
 * packet parses to an error the server answers with ERROR 4 (illegal operation).
 */

export const OP = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;

/** RFC 1350 error codes. */
export const ERR = {
  UNDEFINED: 0,
  NOT_FOUND: 1,
  ACCESS: 2,
  ILLEGAL: 4,
  UNKNOWN_TID: 5,
  OPTION: 8,
} as const;

export type Request = {
  op: "read" | "write";
  file: string;
  mode: string;
  /** option names lower-cased, values as sent */
  options: Map<string, string>;
};
export type Packet =
  | ({ kind: "request" } & Request)
  | { kind: "ack"; block: number }
  | { kind: "error"; code: number; message: string }
  | { kind: "other"; op: number };

export class BadPacket extends Error {}

/** NUL-terminated strings from `at`; each must be non-empty printable ASCII. */
function strings(buf: Uint8Array, at: number): string[] {
  const out: string[] = [];
  let start = at;
  for (let i = at; i < buf.length; i++) {
    if (buf[i] !== 0) continue;
    const s = new TextDecoder().decode(buf.subarray(start, i));
    if (!/^[\x20-\x7e]*$/.test(s)) throw new BadPacket("non-printable characters in a request");
    out.push(s);
    start = i + 1;
  }
  if (start !== buf.length) throw new BadPacket("a request field is not NUL-terminated");
  return out;
}

export function parsePacket(buf: Uint8Array): Packet {
  if (buf.length < 4) throw new BadPacket(`packet of ${buf.length} bytes is too short`);
  const op = (buf[0] as number) * 256 + (buf[1] as number);
  if (op === OP.RRQ || op === OP.WRQ) {
    if (buf.length > 1024) throw new BadPacket("request longer than 1024 bytes");
    const [file, mode, ...rest] = strings(buf, 2);
    if (!file || !mode) throw new BadPacket("request without a file name or mode");
    if (rest.length % 2 !== 0) throw new BadPacket("an option without a value");
    const options = new Map<string, string>();
    for (let i = 0; i < rest.length; i += 2)
      options.set((rest[i] as string).toLowerCase(), rest[i + 1] as string);
    return { kind: "request", op: op === OP.RRQ ? "read" : "write", file, mode: mode.toLowerCase(), options };
  }
  if (op === OP.ACK) return { kind: "ack", block: (buf[2] as number) * 256 + (buf[3] as number) };
  if (op === OP.ERROR) {
    const text = new TextDecoder().decode(
      buf.subarray(4, buf.indexOf(0, 4) < 0 ? buf.length : buf.indexOf(0, 4)),
    );
    return {
      kind: "error",
      code: (buf[2] as number) * 256 + (buf[3] as number),
      message: text.slice(0, 200),
    };
  }
  return { kind: "other", op };
}

const u16 = (n: number) => [(n >> 8) & 255, n & 255];
const ascii = (s: string) => [...new TextEncoder().encode(s), 0];

export const dataPacket = (block: number, payload: Uint8Array): Uint8Array => {
  const out = new Uint8Array(4 + payload.length);
  out.set([...u16(OP.DATA), ...u16(block & 0xffff)]);
  out.set(payload, 4);
  return out;
};

export const errorPacket = (code: number, message: string): Uint8Array =>
  Uint8Array.from([
    ...u16(OP.ERROR),
    ...u16(code),
    ...ascii(message.replace(/[^\x20-\x7e]/g, "?").slice(0, 200)),
  ]);

export const oackPacket = (options: [string, string][]): Uint8Array =>
  Uint8Array.from([...u16(OP.OACK), ...options.flatMap(([k, v]) => [...ascii(k), ...ascii(v)])]);

export interface Negotiated {
  blksize: number;
  timeoutS: number;
  /** the options to acknowledge, in the order the client sent them */
  ack: [string, string][];
}

/**
 * A longer timeout is not acknowledged (RFC 2349 lets the server only accept or omit it): a
 * client that stops early would keep its session for 3 × 255 s.
 */
export const MAX_TIMEOUT_S = 5;

/**
 * The options the server accepts: blksize clamped to [8, maxBlksize], timeout 1–5 s, tsize
 * answered with the file size. Unknown options are ignored (RFC 2347).
 */
export function negotiate(
  options: Map<string, string>,
  o: { size: number; maxBlksize: number; defaultTimeoutS: number },
): Negotiated {
  const out: Negotiated = { blksize: 512, timeoutS: o.defaultTimeoutS, ack: [] };
  for (const [name, value] of options) {
    if (!/^\d{1,6}$/.test(value)) continue;
    const n = Number(value);
    if (name === "blksize" && n >= 8) {
      out.blksize = Math.min(n, o.maxBlksize, 65464);
      out.ack.push(["blksize", String(out.blksize)]);
    } else if (name === "timeout" && n >= 1 && n <= MAX_TIMEOUT_S) {
      out.timeoutS = n;
      out.ack.push(["timeout", value]);
    } else if (name === "tsize" && n === 0) {
      out.ack.push(["tsize", String(o.size)]);
    }
  }
  return out;
}
