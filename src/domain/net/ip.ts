/**
 * IP address arithmetic for IPv4 and IPv6. Addresses are handled as bigints so that both
 * versions share one code path; parsing and formatting lean on ipaddr.js. Networks are
 * described by their masked base address and prefix, and hosts inside them by their offset
 * from the base (offset 0 is the network address and the last offset is the broadcast one).
 */
import ipaddr from "ipaddr.js";
import { AppError } from "../errors.ts";

export type IpVersion = 4 | 6;

export interface Cidr {
  readonly version: IpVersion;
  readonly base: bigint;
  readonly prefix: number;
}

const bitsOf = (version: IpVersion): number => (version === 4 ? 32 : 128);

export function parseIp(text: string): { version: IpVersion; value: bigint } {
  const trimmed = text.trim();
  const ok =
    ipaddr.IPv4.isValidFourPartDecimal(trimmed) || (trimmed.includes(":") && ipaddr.IPv6.isValid(trimmed));
  if (!ok || trimmed.includes("%")) {
    throw new AppError("INVALID_IP", `Invalid IP address '${text}'`, "Use dotted IPv4 (10.30.0.1) or IPv6");
  }
  const addr = ipaddr.parse(trimmed);
  let value = 0n;
  for (const byte of addr.toByteArray()) value = (value << 8n) | BigInt(byte);
  return { version: addr.kind() === "ipv4" ? 4 : 6, value };
}

export function formatIp(version: IpVersion, value: bigint): string {
  const bytes: number[] = [];
  const count = version === 4 ? 4 : 16;
  let rest = value;
  for (let i = 0; i < count; i++) {
    bytes.unshift(Number(rest & 0xffn));
    rest >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

export function parsePrefix(text: string | number, version: IpVersion): number {
  // Decimal digits only: Number() alone would also take "0x10", "1e1" and "" (as 0).
  const prefix = typeof text === "number" ? text : /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  const max = version === 4 ? 30 : 126;
  if (!Number.isInteger(prefix) || prefix < 1 || prefix > max) {
    throw new AppError(
      "INVALID_NETWORK",
      `Invalid prefix '${text}'`,
      `Use an integer in 1..${max} for IPv${version}`,
    );
  }
  return prefix;
}

/** Masks `address` with `prefix`; any host bits given are dropped, as the original did. */
export function makeCidr(address: string, prefix: string | number): Cidr {
  const ip = parseIp(address);
  const p = parsePrefix(prefix, ip.version);
  const bits = bitsOf(ip.version);
  const hostMask = (1n << BigInt(bits - p)) - 1n;
  return { version: ip.version, base: ip.value & ~hostMask, prefix: p };
}

/** The highest usable offset: everything between the network and broadcast addresses. */
export const lastOffset = (cidr: Cidr): bigint => (1n << BigInt(bitsOf(cidr.version) - cidr.prefix)) - 2n;

export const cidrText = (cidr: Cidr): string => `${formatIp(cidr.version, cidr.base)}/${cidr.prefix}`;

export const networkAddress = (cidr: Cidr): string => formatIp(cidr.version, cidr.base);

export function netmask(cidr: Cidr): string {
  const bits = bitsOf(cidr.version);
  const mask = ((1n << BigInt(cidr.prefix)) - 1n) << BigInt(bits - cidr.prefix);
  return formatIp(cidr.version, mask);
}

export function contains(cidr: Cidr, ip: string): boolean {
  const parsed = parseIp(ip);
  if (parsed.version !== cidr.version) return false;
  const offset = parsed.value - cidr.base;
  return offset >= 1n && offset <= lastOffset(cidr);
}

/** Offset of a host address inside the network; refuses the network and broadcast addresses. */
export function offsetOf(cidr: Cidr, ip: string): bigint {
  const parsed = parseIp(ip);
  const offset = parsed.value - cidr.base;
  if (parsed.version !== cidr.version || offset < 1n || offset > lastOffset(cidr)) {
    throw new AppError(
      "IP_OUT_OF_NETWORK",
      `Network '${cidrText(cidr)}' does not contain host address '${ip}'`,
      "Pick an address inside the network, neither its network nor its broadcast address",
    );
  }
  return offset;
}

export const ipAt = (cidr: Cidr, offset: bigint): string => formatIp(cidr.version, cidr.base + offset);

/** Normalises an address to its canonical text (lower-case, compressed IPv6). */
export function canonicalIp(text: string): string {
  const ip = parseIp(text);
  return formatIp(ip.version, ip.value);
}

/** Whether `text` is a loopback address (127.0.0.0/8, ::1, or IPv4 loopback mapped into IPv6). */
export function isLoopback(text: string): boolean {
  return ipaddr.isValid(text) && ipaddr.process(text).range() === "loopback";
}
