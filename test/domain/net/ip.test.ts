/**
 * IP arithmetic (src/domain/net/ip.ts): parsing and formatting of both versions, network masks
 * and prefixes, and the offset <-> address mapping that allocation relies on.
 */
import { describe, expect, test } from "bun:test";
import { AppError, type ErrorCode } from "../../../src/domain/errors.ts";
import {
  canonicalIp,
  cidrText,
  contains,
  formatIp,
  type IpVersion,
  ipAt,
  lastOffset,
  makeCidr,
  netmask,
  networkAddress,
  offsetOf,
  parseIp,
  parsePrefix,
} from "../../../src/domain/net/ip.ts";

function errorOf(fn: () => unknown): AppError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(AppError);
  return caught as AppError;
}

const expectCode = (fn: () => unknown, code: ErrorCode): void => {
  expect(errorOf(fn).code).toBe(code);
};

describe("parseIp", () => {
  const valid: [string, IpVersion, bigint][] = [
    ["10.30.0.1", 4, 0x0a1e0001n],
    ["0.0.0.0", 4, 0n],
    ["255.255.255.255", 4, 0xffffffffn],
    [" 192.168.1.2 ", 4, 0xc0a80102n],
    ["::", 6, 0n],
    ["::1", 6, 1n],
    ["fd00::1", 6, 0xfd000000000000000000000000000001n],
    ["2001:DB8:0:0:0:0:0:1", 6, 0x20010db8000000000000000000000001n],
    ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 6, (1n << 128n) - 1n],
    ["::ffff:1.2.3.4", 6, 0xffff01020304n],
  ];
  test.each(valid)("parseIp reads %p as IPv%d", (text, version, value) => {
    expect(parseIp(text)).toEqual({ version, value });
  });

  const invalid = [
    "10",
    "10.0.0.256",
    "1.2.3",
    "1.2.3.4.5",
    "abc",
    "",
    "   ",
    "0x0a.0.0.1",
    "010.0.0.1",
    "10.0.0.-1",
    "fe80::1%eth0",
    "1:2:3:4:5:6:7:8:9",
    "2001:db8::g",
    "10.0.0.1/24",
  ];
  test.each(invalid)("parseIp rejects %p with INVALID_IP", (text) => {
    const e = errorOf(() => parseIp(text));
    expect(e.code).toBe("INVALID_IP");
    expect(e.hint).toBeDefined();
  });
});

describe("formatIp", () => {
  const cases: [string, string][] = [
    ["10.30.0.1", "10.30.0.1"],
    ["0.0.0.0", "0.0.0.0"],
    ["255.255.255.255", "255.255.255.255"],
    ["::", "::"],
    ["::1", "::1"],
    ["1::", "1::"],
    ["fd00:0:0:0:0:0:0:5", "fd00::5"],
    ["2001:DB8::A", "2001:db8::a"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6"],
  ];
  test.each(cases)("formatIp round trips %p as %p", (text, formatted) => {
    const { version, value } = parseIp(text);
    expect(formatIp(version, value)).toBe(formatted);
    expect(parseIp(formatIp(version, value))).toEqual({ version, value });
  });

  test("formatIp pads small IPv4 values with zero octets", () => {
    expect(formatIp(4, 1n)).toBe("0.0.0.1");
    expect(formatIp(4, 0x0a000000n)).toBe("10.0.0.0");
  });
});

describe("canonicalIp", () => {
  const cases: [string, string][] = [
    [" 10.1.2.3 ", "10.1.2.3"],
    ["FD00::0001", "fd00::1"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
  ];
  test.each(cases)("canonicalIp turns %p into %p", (text, canonical) => {
    expect(canonicalIp(text)).toBe(canonical);
  });

  test("canonicalIp rejects invalid text with INVALID_IP", () => {
    expectCode(() => canonicalIp("10.0.0"), "INVALID_IP");
  });
});

describe("parsePrefix", () => {
  const valid: [string | number, IpVersion, number][] = [
    [1, 4, 1],
    [16, 4, 16],
    [30, 4, 30],
    ["24", 4, 24],
    [" 8 ", 4, 8],
    [1, 6, 1],
    [64, 6, 64],
    [126, 6, 126],
    ["126", 6, 126],
    [31, 6, 31],
  ];
  test.each(valid)("parsePrefix accepts %p for IPv%d", (text, version, prefix) => {
    expect(parsePrefix(text, version)).toBe(prefix);
  });

  const invalid: [string | number, IpVersion][] = [
    [0, 4],
    [31, 4],
    [32, 4],
    [-1, 4],
    [1.5, 4],
    [Number.NaN, 4],
    ["0", 4],
    ["31", 4],
    ["16x", 4],
    ["1.5", 4],
    ["", 4],
    ["abc", 4],
    ["0x10", 4],
    ["1e1", 4],
    [0, 6],
    [127, 6],
    [128, 6],
    ["64x", 6],
  ];
  test.each(invalid)("parsePrefix rejects %p for IPv%d with INVALID_NETWORK", (text, version) => {
    const e = errorOf(() => parsePrefix(text, version));
    expect(e.code).toBe("INVALID_NETWORK");
    expect(e.hint).toContain(version === 4 ? "1..30" : "1..126");
  });
});

describe("makeCidr", () => {
  const cases: [string, string | number, IpVersion, string, number][] = [
    ["10.30.5.7", 16, 4, "10.30.0.0", 16],
    ["10.30.5.7", "24", 4, "10.30.5.0", 24],
    ["10.30.0.0", 16, 4, "10.30.0.0", 16],
    ["192.168.1.255", 30, 4, "192.168.1.252", 30],
    ["255.255.255.255", 1, 4, "128.0.0.0", 1],
    ["fd00::1234:5678", 64, 6, "fd00::", 64],
    ["2001:db8:aaaa:bbbb::1", 48, 6, "2001:db8:aaaa::", 48],
    ["fd00::7", 126, 6, "fd00::4", 126],
  ];
  test.each(cases)("makeCidr masks %p/%p to the network address", (address, prefix, version, base, p) => {
    const cidr = makeCidr(address, prefix);
    expect(cidr).toEqual({ version, base: parseIp(base).value, prefix: p });
    expect(networkAddress(cidr)).toBe(base);
    expect(cidrText(cidr)).toBe(`${base}/${p}`);
  });

  test("makeCidr rejects a bad address with INVALID_IP", () => {
    expectCode(() => makeCidr("10.30.0", 16), "INVALID_IP");
  });

  test("makeCidr checks the prefix against the address version", () => {
    expectCode(() => makeCidr("10.30.0.0", 64), "INVALID_NETWORK");
    expect(makeCidr("fd00::", 64).prefix).toBe(64);
  });
});

describe("lastOffset", () => {
  const cases: [string, number, bigint][] = [
    ["10.0.0.0", 16, 65534n],
    ["10.0.0.0", 24, 254n],
    ["10.0.0.0", 30, 2n],
    ["10.0.0.0", 8, 16777214n],
    ["0.0.0.0", 1, (1n << 31n) - 2n],
    ["fd00::", 64, (1n << 64n) - 2n],
    ["fd00::", 126, 2n],
    ["::", 1, (1n << 127n) - 2n],
  ];
  test.each(cases)("lastOffset of %p/%d is %p", (address, prefix, last) => {
    expect(lastOffset(makeCidr(address, prefix))).toBe(last);
  });
});

describe("netmask", () => {
  const cases: [string, number, string][] = [
    ["10.0.0.0", 1, "128.0.0.0"],
    ["10.0.0.0", 8, "255.0.0.0"],
    ["10.0.0.0", 16, "255.255.0.0"],
    ["10.0.0.0", 20, "255.255.240.0"],
    ["10.0.0.0", 24, "255.255.255.0"],
    ["10.0.0.0", 30, "255.255.255.252"],
    ["fd00::", 64, "ffff:ffff:ffff:ffff::"],
    ["fd00::", 1, "8000::"],
    ["fd00::", 126, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffc"],
  ];
  test.each(cases)("netmask of %p/%d is %p", (address, prefix, mask) => {
    expect(netmask(makeCidr(address, prefix))).toBe(mask);
  });
});

describe("contains", () => {
  const v4: [string, number] = ["10.30.0.0", 16];
  const v6: [string, number] = ["fd00::", 64];
  const cases: [string, number, string, boolean][] = [
    [...v4, "10.30.0.1", true],
    [...v4, "10.30.128.7", true],
    [...v4, "10.30.255.254", true],
    [...v4, "10.30.0.0", false],
    [...v4, "10.30.255.255", false],
    [...v4, "10.29.255.255", false],
    [...v4, "10.31.0.1", false],
    [...v4, "::a1e:1", false],
    [...v4, "::ffff:10.30.0.1", false],
    [...v6, "fd00::1", true],
    [...v6, "fd00::ffff:ffff:ffff:fffe", true],
    [...v6, "fd00::", false],
    [...v6, "fd00::ffff:ffff:ffff:ffff", false],
    [...v6, "fd00:0:0:1::1", false],
    [...v6, "0.0.0.1", false],
  ];
  test.each(cases)("contains in %p/%d says whether %p is a host address: %p", (net, prefix, ip, inside) => {
    expect(contains(makeCidr(net, prefix), ip)).toBe(inside);
  });

  test("contains rejects invalid text with INVALID_IP", () => {
    expectCode(() => contains(makeCidr(...v4), "10.30.0"), "INVALID_IP");
  });
});

describe("offsetOf and ipAt", () => {
  const cases: [string, number, string, bigint][] = [
    ["10.30.0.0", 16, "10.30.0.1", 1n],
    ["10.30.0.0", 16, "10.30.1.0", 256n],
    ["10.30.0.0", 16, "10.30.255.254", 65534n],
    ["192.168.5.0", 24, "192.168.5.254", 254n],
    ["192.168.5.4", 30, "192.168.5.6", 2n],
    ["fd00::", 64, "fd00::1", 1n],
    ["fd00::", 64, "fd00::1:0", 65536n],
    ["fd00::", 64, "fd00::ffff:ffff:ffff:fffe", (1n << 64n) - 2n],
  ];
  test.each(cases)("offsetOf in %p/%d maps %p to %p and ipAt maps it back", (net, prefix, ip, offset) => {
    const cidr = makeCidr(net, prefix);
    expect(offsetOf(cidr, ip)).toBe(offset);
    expect(ipAt(cidr, offset)).toBe(ip);
  });

  test("ipAt and offsetOf round trip every host of a /28", () => {
    const cidr = makeCidr("10.0.0.16", 28);
    for (let offset = 1n; offset <= lastOffset(cidr); offset++) {
      expect(offsetOf(cidr, ipAt(cidr, offset))).toBe(offset);
    }
  });

  test("offsetOf accepts non-canonical text", () => {
    expect(offsetOf(makeCidr("fd00::", 64), "FD00:0:0:0::0A")).toBe(10n);
  });

  const outside: [string, number, string][] = [
    ["10.30.0.0", 16, "10.30.0.0"],
    ["10.30.0.0", 16, "10.30.255.255"],
    ["10.30.0.0", 16, "10.31.0.1"],
    ["10.30.0.0", 16, "10.29.255.254"],
    ["10.30.0.0", 16, "::a1e:1"],
    ["192.168.5.4", 30, "192.168.5.7"],
    ["fd00::", 64, "fd00::"],
    ["fd00::", 64, "fd00::ffff:ffff:ffff:ffff"],
    ["fd00::", 64, "10.30.0.1"],
  ];
  test.each(outside)("offsetOf in %p/%d refuses %p with IP_OUT_OF_NETWORK", (net, prefix, ip) => {
    const e = errorOf(() => offsetOf(makeCidr(net, prefix), ip));
    expect(e.code).toBe("IP_OUT_OF_NETWORK");
    expect(e.message).toContain(ip);
  });

  test("offsetOf rejects invalid text with INVALID_IP", () => {
    expectCode(() => offsetOf(makeCidr("10.30.0.0", 16), "10.30.0.1%eth0"), "INVALID_IP");
  });
});
