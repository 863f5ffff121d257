/**
 * FDB parsing (src/snmp/fdb.ts) as table tests: Q-BRIDGE and BRIDGE rows become (MAC, port,
 * VLAN); every malformed row is skipped and counted with its reason, never thrown.
 */
import { describe, expect, test } from "bun:test";
import {
  BASE_PORT_IFINDEX,
  BRIDGE_FDB_PORT,
  compareOids,
  fdbColumn,
  IF_NAME,
  indexUnder,
  parseFdb,
  portNames,
  QBRIDGE_FDB_PORT,
} from "../../src/snmp/fdb.ts";

const Q = QBRIDGE_FDB_PORT;
const B = BRIDGE_FDB_PORT;

describe("parseFdb", () => {
  const good: [string, string, unknown, { mac: string; port: string; vlan: number }][] = [
    ["Q-BRIDGE row", `${Q}.10.82.84.0.0.0.1`, 3, { mac: "52:54:00:00:00:01", port: "3", vlan: 10 }],
    ["BRIDGE row (no VLAN)", `${B}.82.84.0.0.0.1`, 3, { mac: "52:54:00:00:00:01", port: "3", vlan: 0 }],
    ["leading dot in the base", `${Q}.1.0.0.0.0.0.0`, 1, { mac: "00:00:00:00:00:00", port: "1", vlan: 1 }],
    [
      "octets up to 255",
      `${Q}.4094.255.255.255.255.255.254`,
      65535,
      { mac: "ff:ff:ff:ff:ff:fe", port: "65535", vlan: 4094 },
    ],
  ];
  for (const [what, oid, value, entry] of good) {
    test(`parseFdb reads a ${what}`, () => {
      const base = oid.startsWith(B) ? B : what.includes("leading") ? `.${Q}` : Q;
      expect(parseFdb(base, [{ oid, value }])).toEqual({ entries: [entry], skipped: 0, errors: [] });
    });
  }

  const bad: [string, string, unknown, RegExp][] = [
    ["a Q-BRIDGE index one short", `${Q}.1.82.84.0.0.0`, 3, /index has 6 sub-identifiers, want 7/],
    ["an index too long", `${Q}.1.1.82.84.0.0.0.1`, 3, /index has 8 sub-identifiers/],
    ["a BRIDGE row with a VLAN", `${B}.1.82.84.0.0.0.1`, 3, /index has 7 sub-identifiers, want 6/],
    ["a row outside the table", "1.3.6.1.2.1.99.1.82.84.0.0.0.1", 3, /not a numeric OID under/],
    ["the base OID itself", Q, 3, /not a numeric OID under/],
    ["a sibling table sharing the prefix", `${Q}1.1.82.84.0.0.0.1`, 3, /not a numeric OID under/],
    ["a non-numeric sub-identifier", `${Q}.1.82.84.x.0.0.1`, 3, /not a numeric OID/],
    ["an empty sub-identifier", `${Q}.1.82..0.0.0.1`, 3, /not a numeric OID/],
    ["an octet above 255", `${Q}.1.82.84.0.0.0.256`, 3, /octet above 255/],
    ["a port as text", `${Q}.1.82.84.0.0.0.1`, "3", /not an integer \(string\)/],
    ["a port as an octet string", `${Q}.1.82.84.0.0.0.1`, Buffer.from("3"), /octet string/],
    ["a fractional port", `${Q}.1.82.84.0.0.0.1`, 1.5, /not an integer/],
    ["a missing value", `${Q}.1.82.84.0.0.0.1`, null, /not an integer/],
    ["port 0 (learned, port unknown)", `${Q}.1.82.84.0.0.0.1`, 0, /out of range/],
    ["a negative port", `${Q}.1.82.84.0.0.0.1`, -2, /out of range/],
    ["a port above 65535", `${Q}.1.82.84.0.0.0.1`, 70000, /out of range/],
  ];
  for (const [what, oid, value, reason] of bad) {
    test(`parseFdb skips and counts ${what}`, () => {
      const r = parseFdb(oid.startsWith(B) ? B : Q, [{ oid, value }]);
      expect(r.entries).toEqual([]);
      expect(r.skipped).toBe(1);
      expect(r.errors[0]?.reason).toMatch(reason);
    });
  }

  test("parseFdb keeps the good rows of a mixed reply and at most ten reasons", () => {
    const rows = [
      { oid: `${Q}.1.82.84.0.0.0.1`, value: 1 },
      ...Array.from({ length: 25 }, (_, i) => ({ oid: `${Q}.1.${i}`, value: 1 })),
      { oid: `${Q}.1.82.84.0.0.0.2`, value: 2 },
    ];
    const r = parseFdb(Q, rows);
    expect(r.entries.map((e) => e.mac)).toEqual(["52:54:00:00:00:01", "52:54:00:00:00:02"]);
    expect(r.skipped).toBe(25);
    expect(r.errors).toHaveLength(10);
  });

  test("parseFdb never throws on values of any type", () => {
    const odd: unknown[] = [undefined, {}, [], Symbol("x"), 10n, Number.NaN, Number.POSITIVE_INFINITY, true];
    const r = parseFdb(
      Q,
      odd.map((value) => ({ oid: `${Q}.1.82.84.0.0.0.1`, value })),
    );
    expect(r).toMatchObject({ entries: [], skipped: odd.length });
  });
});

describe("OIDs", () => {
  const columns: [string, string][] = [
    [".1.3.6.1.2.1.17.7.1.2.2.1.2", Q],
    [".1.3.6.1.2.1.17.7.1.2.2", Q],
    ["1.3.6.1.2.1.17.7.1.2.2.1", Q],
    [".1.3.6.1.2.1.17.4.3", B],
    [".1.3.6.1.2.1.17.4.3.1.2", B],
    [".1.3.6.1.4.1.9.9.1", "1.3.6.1.4.1.9.9.1"],
  ];
  for (const [oid, column] of columns) {
    test(`fdbColumn walks ${column} for a switch oid ${oid}`, () => {
      expect(fdbColumn(oid)).toBe(column);
    });
  }

  test("parseFdb accepts both row shapes under a vendor table", () => {
    const v = "1.3.6.1.4.1.9.9.1";
    const r = parseFdb(v, [
      { oid: `${v}.5.82.84.0.0.0.1`, value: 1 },
      { oid: `${v}.82.84.0.0.0.2`, value: 2 },
    ]);
    expect(r.entries.map((e) => [e.vlan, e.mac])).toEqual([
      [5, "52:54:00:00:00:01"],
      [0, "52:54:00:00:00:02"],
    ]);
  });

  test("indexUnder gives the sub-identifiers below a base, with or without leading dots", () => {
    expect(indexUnder(`.${Q}`, `${Q}.1.2`)).toEqual([1, 2]);
    expect(indexUnder(Q, `.${Q}.7`)).toEqual([7]);
    expect(indexUnder(Q, `${Q}7.1`)).toBeUndefined();
    expect(indexUnder(Q, `${Q}.-1`)).toBeUndefined();
  });

  const order: [string, string, number][] = [
    ["1.3.6.1", "1.3.6.1", 0],
    ["1.3.6.1", "1.3.6.1.0", -1],
    ["1.3.6.2", "1.3.6.10", -1],
    ["1.3.7", "1.3.6.1.9", 1],
    [".1.3.6", "1.3.6", 0],
  ];
  for (const [a, b, sign] of order) {
    test(`compareOids orders ${a} against ${b} numerically`, () => {
      expect(Math.sign(compareOids(a, b))).toBe(sign);
    });
  }
});

describe("portNames", () => {
  test("portNames maps bridge ports to ifName through dot1dBasePortIfIndex", () => {
    const names = portNames(
      [
        { oid: `${BASE_PORT_IFINDEX}.1`, value: 10101 },
        { oid: `${BASE_PORT_IFINDEX}.2`, value: 10102 },
        { oid: `${BASE_PORT_IFINDEX}.3`, value: 99999 },
        { oid: `${BASE_PORT_IFINDEX}.4`, value: "10101" },
      ],
      [
        { oid: `${IF_NAME}.10101`, value: Buffer.from("Gi1/0/1") },
        { oid: `${IF_NAME}.10102`, value: "Gi1/0/2" },
      ],
    );
    expect([...names]).toEqual([
      ["1", "Gi1/0/1"],
      ["2", "Gi1/0/2"],
    ]);
  });

  test("portNames ignores names with control characters, empty names and odd rows", () => {
    const names = portNames(
      [1, 2, 3, 4].map((p) => ({ oid: `${BASE_PORT_IFINDEX}.${p}`, value: p })),
      [
        { oid: `${IF_NAME}.1`, value: Buffer.from("bad\nname") },
        { oid: `${IF_NAME}.2`, value: "" },
        { oid: `${IF_NAME}.3.1`, value: "Gi3" },
        { oid: `${IF_NAME}.4`, value: "x".repeat(65) },
      ],
    );
    expect(names.size).toBe(0);
  });
});
