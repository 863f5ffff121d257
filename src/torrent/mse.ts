/**
 * The receiving side of BitTorrent's Message Stream Encryption handshake (MSE/PE, the Vuze
 * spec), as far as a seeder on a cluster LAN needs it: aria2c opens every outgoing connection
 * with it and falls back to the plain handshake only one second later, which is a second lost
 * by every node at the start of a boot storm. We answer the Diffie-Hellman exchange and then
 * select the plaintext method, so the RC4 stream covers the handshake only; a peer that offers
 * RC4 alone is refused. Pure: bytes in, bytes out.
 */
import { randomBytes } from "node:crypto";

const P = BigInt(
  "0xFFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A63A36210000000000090563",
);
const KEY_BYTES = 96;
const MAX_PAD = 512;
const PLAINTEXT = 0x01;

const sha1 = (...parts: (string | Uint8Array)[]) => {
  const h = new Bun.CryptoHasher("sha1");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let r = 1n;
  let b = base % mod;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) r = (r * b) % mod;
    b = (b * b) % mod;
  }
  return r;
}

const toBytes = (n: bigint) => Buffer.from(n.toString(16).padStart(KEY_BYTES * 2, "0"), "hex");
const toBig = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString("hex")}`);

/** RC4 with the first 1024 bytes of keystream dropped, as MSE uses it. */
export function rc4(key: Uint8Array) {
  const s = Uint8Array.from({ length: 256 }, (_, i) => i);
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + (s[i] as number) + (key[i % key.length] as number)) & 255;
    [s[i], s[j]] = [s[j] as number, s[i] as number];
  }
  let i = 0;
  let j = 0;
  const crypt = (data: Uint8Array) => {
    const out = new Uint8Array(data.length);
    for (let k = 0; k < data.length; k++) {
      i = (i + 1) & 255;
      j = (j + (s[i] as number)) & 255;
      [s[i], s[j]] = [s[j] as number, s[i] as number];
      out[k] = (data[k] as number) ^ (s[((s[i] as number) + (s[j] as number)) & 255] as number);
    }
    return out;
  };
  crypt(new Uint8Array(1024));
  return crypt;
}

/** Given the first 20 bytes of a connection: true when they are not a plain BitTorrent handshake. */
export const looksEncrypted = (first: Uint8Array): boolean =>
  !(first[0] === 19 && Buffer.from(first.subarray(1, 20)).toString("latin1") === "BitTorrent protocol");

export type MseStep =
  | { kind: "more"; reply?: Uint8Array }
  | { kind: "done"; reply: Uint8Array; infohash: string; rest: Uint8Array }
  | { kind: "fail"; why: string };

/** One responder per connection; `known` lists the info-hashes (hex) this seeder serves. */
export function mseResponder(known: () => string[]) {
  const x = toBig(randomBytes(20));
  let buf = Buffer.alloc(0);
  let secret: Uint8Array | undefined;
  let sentKey = false;
  return (data: Uint8Array): MseStep => {
    buf = Buffer.concat([buf, data]);
    if (buf.length > KEY_BYTES + MAX_PAD + 20 + 20 + 8 + 4 + 2 + MAX_PAD + 2 + 1024)
      return { kind: "fail", why: "MSE handshake too long" };
    if (buf.length < KEY_BYTES) return { kind: "more" };
    let reply: Uint8Array | undefined;
    if (!sentKey) {
      sentKey = true;
      secret = toBytes(modPow(toBig(buf.subarray(0, KEY_BYTES)), x, P));
      reply = toBytes(modPow(2n, x, P));
    }
    const s = secret as Uint8Array;
    const req1 = Buffer.from(sha1("req1", s));
    const at = buf.indexOf(req1, KEY_BYTES);
    if (at < 0) {
      return buf.length > KEY_BYTES + MAX_PAD + 20
        ? { kind: "fail", why: "no MSE sync" }
        : { kind: "more", reply };
    }
    let p = at + 20;
    if (buf.length < p + 20 + 8 + 4 + 2) return { kind: "more", reply };
    const xored = buf.subarray(p, p + 20);
    const req3 = sha1("req3", s);
    const infohash = known().find((h) => {
      const req2 = sha1("req2", Buffer.from(h, "hex"));
      return req2.every((b, k) => (b ^ (req3[k] as number)) === xored[k]);
    });
    if (!infohash) return { kind: "fail", why: "MSE handshake for a torrent not served here" };
    p += 20;
    const skey = Buffer.from(infohash, "hex");
    const decrypt = rc4(sha1("keyA", s, skey));
    const head = Buffer.from(decrypt(buf.subarray(p, p + 14)));
    if (!head.subarray(0, 8).every((b) => b === 0))
      return { kind: "fail", why: "bad MSE verification constant" };
    const provide = head.readUInt32BE(8);
    const padC = head.readUInt16BE(12);
    if (padC > MAX_PAD) return { kind: "fail", why: "MSE padding too long" };
    if (buf.length < p + 14 + padC + 2) return { kind: "more", reply };
    decrypt(buf.subarray(p + 14, p + 14 + padC));
    const iaLen = Buffer.from(decrypt(buf.subarray(p + 14 + padC, p + 16 + padC))).readUInt16BE(0);
    const end = p + 16 + padC + iaLen;
    if (buf.length < end) return { kind: "more", reply };
    if (!(provide & PLAINTEXT))
      return { kind: "fail", why: "peer offers RC4 only; this seeder speaks plaintext" };
    const ia = decrypt(buf.subarray(p + 16 + padC, end));
    const answer = Buffer.alloc(8 + 4 + 2);
    answer.writeUInt32BE(PLAINTEXT, 8);
    const encrypted = rc4(sha1("keyB", s, skey))(answer);
    const out = reply ? Buffer.concat([reply, encrypted]) : Buffer.from(encrypted);
    return { kind: "done", reply: out, infohash, rest: Buffer.concat([ia, buf.subarray(end)]) };
  };
}

export type GreetingStep =
  | { kind: "wait"; reply?: Uint8Array }
  | { kind: "plain"; reply?: Uint8Array; bytes: Uint8Array; encrypted: boolean }
  | { kind: "fail" };

/**
 * The first bytes of a connection: a plain handshake passes through; an MSE start is answered
 * (plaintext selected) and what follows it is passed on as plain bytes.
 */
export function greeting(known: () => string[]) {
  let head = Buffer.alloc(0);
  let mse: ((data: Uint8Array) => MseStep) | undefined;
  return (chunk: Uint8Array): GreetingStep => {
    if (!mse) {
      head = Buffer.concat([head, chunk]);
      if (head.length < 20) return { kind: "wait" };
      if (!looksEncrypted(head)) return { kind: "plain", bytes: head, encrypted: false };
      mse = mseResponder(known);
      chunk = head;
    }
    const step = mse(chunk);
    if (step.kind === "fail") return { kind: "fail" };
    if (step.kind === "more") return { kind: "wait", reply: step.reply };
    return { kind: "plain", reply: step.reply, bytes: step.rest, encrypted: true };
  };
}
