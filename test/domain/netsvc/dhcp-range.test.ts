/**
 * The DHCP range rules on a real store: inside the network, start <= end, clear of every used
 * address (the refusal names the holders), the old range given back when it moves, and a
 * refused change leaves the store exactly as it was.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { changeCluster } from "../../../src/domain/cluster.ts";
import { AppError } from "../../../src/domain/errors.ts";
import { type DhcpRangeRequest, planDhcpRange, setDhcpRange } from "../../../src/domain/netsvc/dhcp.ts";
import { loadSnapshot } from "../../../src/domain/netsvc/netdata.ts";
import { holdersOf, isReserved } from "../../../src/domain/network.ts";
import { type TestCluster, testCluster } from "../../helpers/cluster.ts";

let f: TestCluster;
beforeEach(async () => {
  f = await testCluster({ nodes: 3, services: true, ipv6: true });
});
afterEach(async () => {
  await f[Symbol.asyncDispose]();
});

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return "ok";
  } catch (e) {
    return e instanceof AppError ? `${e.code}: ${e.message}` : String(e);
  }
};

const ROWS: [string, DhcpRangeRequest, RegExp][] = [
  [
    "outside the network",
    { network: "cluster", start: "10.29.0.1", end: "10.30.0.9" },
    /^IP_OUT_OF_NETWORK: Range start 10.29.0.1 is not a host address/,
  ],
  [
    "the broadcast address",
    { network: "cluster", start: "10.30.255.200", end: "10.30.255.255" },
    /^IP_OUT_OF_NETWORK: Range end 10.30.255.255/,
  ],
  [
    "end before start",
    { network: "cluster", start: "10.30.9.9", end: "10.30.9.1" },
    /^INVALID_ARGUMENT: Range end 10.30.9.1 lies before its start 10.30.9.9/,
  ],
  [
    "over node addresses",
    { network: "cluster", start: "10.30.0.2", end: "10.30.0.50" },
    /^IP_TAKEN: .*node\/node002:enp7s0 \(10.30.0.2\), node\/node003:enp7s0 \(10.30.0.3\)$/,
  ],
  [
    "over the PDU",
    { network: "cluster", start: "10.30.250.1", end: "10.30.250.1" },
    /^IP_TAKEN: .*otherdev\/pdu01 \(10.30.250.1\)$/,
  ],
  [
    "over the frontend",
    { network: "cluster", start: "10.30.255.250", end: "10.30.255.254" },
    /^IP_TAKEN: .*frontend \(10.30.255.254\)/,
  ],
  [
    "on a network without the frontend",
    { network: "ipmi", start: "10.31.1.1", end: "10.31.1.9" },
    /^IP_OUT_OF_NETWORK: The frontend address 10.30.255.254 is not in network 'ipmi'/,
  ],
  [
    "on an IPv6 network",
    { network: "cluster6", start: "fd00:30::100", end: "fd00:30::1ff" },
    /^INVALID_NETWORK: Network 'cluster6' is IPv6/,
  ],
  [
    "on an unknown network",
    { network: "nosuch", start: "10.30.1.1", end: "10.30.1.2" },
    /^NOT_FOUND: No network named 'nosuch'/,
  ],
  ["without an end", { network: "cluster", start: "10.30.1.1" }, /^INVALID_ARGUMENT: The range needs both/],
  [
    "with a bad address",
    { network: "cluster", start: "10.30.1.x", end: "10.30.1.2" },
    /^INVALID_IP: Invalid IP address '10.30.1.x'/,
  ],
];

describe("setDhcpRange refuses, leaving the store unchanged", () => {
  for (const [what, req, says] of ROWS) {
    test(`a range ${what}`, async () => {
      const before = await f.store.dump();
      expect(await codeOf(f.store.write((tx) => setDhcpRange(tx, req)))).toMatch(says);
      expect(await f.store.dump()).toBe(before);
    });
  }

  test("a range while the frontend address is unset", async () => {
    await f.store.write((tx) => changeCluster(tx, { frontend_address: "" }));
    const before = await f.store.dump();
    expect(
      await codeOf(
        f.store.write((tx) => setDhcpRange(tx, { network: "cluster", start: "10.30.1.1", end: "10.30.1.9" })),
      ),
    ).toMatch(/^INVALID_ARGUMENT: The frontend address is not set/);
    expect(await f.store.dump()).toBe(before);
  });
});

describe("setDhcpRange moves the range", () => {
  const net = async () => (await f.store.byName("network", "cluster"))!;

  test("the new range is reserved and the old one given back, also when they overlap", async () => {
    await f.store.write((tx) =>
      setDhcpRange(tx, { network: "cluster", start: "10.30.200.100", end: "10.30.201.10" }),
    );
    const n = await net();
    expect(isReserved(n, "10.30.200.99")).toBe(false);
    expect(isReserved(n, "10.30.200.100")).toBe(true);
    expect(isReserved(n, "10.30.201.10")).toBe(true);
    expect(isReserved(n, "10.30.201.11")).toBe(false);
    const c = (await f.store.byName("cluster", "general"))!;
    expect([c.dhcp_range_start, c.dhcp_range_end]).toEqual(["10.30.200.100", "10.30.201.10"]);
    expect(
      (await holdersOf(f.store, n)).filter((h) => h.holder === "cluster/dhcp-range").map((h) => h.ip),
    ).toEqual(["10.30.200.100", "10.30.201.10"]);
  });

  test("without --network the range stays on the stored network", async () => {
    await f.store.write((tx) => setDhcpRange(tx, { start: "10.30.100.1", end: "10.30.100.2" }));
    expect(isReserved(await net(), "10.30.200.1")).toBe(false);
    expect(isReserved(await net(), "10.30.100.2")).toBe(true);
  });

  test("the same range again is accepted", async () => {
    const before = await f.store.dump();
    await f.store.write((tx) =>
      setDhcpRange(tx, { network: "cluster", start: "10.30.200.1", end: "10.30.200.254" }),
    );
    expect(await f.store.dump()).toBe(before);
  });

  test("planDhcpRange (what --dry-run uses) stores nothing", async () => {
    const before = await f.store.dump();
    const plan = planDhcpRange(await loadSnapshot(f.store), {
      network: "cluster",
      start: "10.30.50.1",
      end: "10.30.50.9",
    });
    expect(plan.cluster.dhcp_range_start).toBe("10.30.50.1");
    expect(await f.store.dump()).toBe(before);
  });

  test("a node cannot be given an address inside the range", async () => {
    const { changeNode } = await import("../../../src/domain/node.ts");
    expect(
      await codeOf(f.store.write((tx) => changeNode(tx, "node003", { ips: [["enp7s0", "10.30.200.7"]] }))),
    ).toMatch(/^IP_TAKEN: Address 10.30.200.7 is already in use/);
  });
});
