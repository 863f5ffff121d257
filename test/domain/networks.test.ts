/**
 * Networks and their pools (reference §4): the name server and frontend reservations, overlap
 * checks, prefix changes that keep absolute addresses, renumbering that keeps offsets, manual
 * reserve/release, and IPv6.
 */
import { describe, expect, test } from "bun:test";
import { addOtherDev, addSwitch } from "../../src/domain/devices.ts";
import { changeInterface } from "../../src/domain/group.ts";
import { addNetwork, deleteNetwork, holdersOf } from "../../src/domain/network.ts";
import { changeNetwork } from "../../src/domain/network-change.ts";
import { addNodes, changeNode } from "../../src/domain/node.ts";
import { ip4, testCluster } from "../helpers/cluster.ts";

/** The seed plus network ib 10.40.0.0/<prefix> on group interface ib0. */
async function withIb(prefix = 16, extra: { ns_ip?: string } = {}) {
  const fx = await testCluster();
  await fx.write(async (tx) => {
    await addNetwork(tx, { name: "ib", network: "10.40.0.0", prefix, ...extra });
    await changeInterface(tx, "compute", "ib0", { op: "setnet", network: "ib" });
  });
  return fx;
}

describe("network add", () => {
  test("addNetwork makes the last usable address the name server and reserves it", async () => {
    await using fx = await testCluster();
    const ipmi = await fx.network("ipmi");
    expect(ipmi.ns_ip).toBe("10.31.255.254");
    expect(await fx.taken("ipmi", "10.31.255.254")).toBe(true);
    await fx.write((tx) => addNetwork(tx, { name: "mgmt", network: "192.168.7.0", prefix: 24 }));
    const mgmt = await fx.network("mgmt");
    expect(mgmt).toMatchObject({ network: "192.168.7.0", prefix: 24, version: 4, ns_ip: "192.168.7.254" });
    expect(mgmt.freelist).toEqual([["1", "253"]]);
  });

  test("addNetwork masks host bits off the network address", async () => {
    await using fx = await testCluster();
    await fx.write((tx) => addNetwork(tx, { name: "mgmt", network: "192.168.7.77", prefix: "24" }));
    expect((await fx.network("mgmt")).network).toBe("192.168.7.0");
  });

  test("addNetwork reserves an explicit name server address instead of the last one", async () => {
    await using fx = await testCluster();
    await fx.write((tx) =>
      addNetwork(tx, { name: "mgmt", network: "192.168.7.0", prefix: 24, ns_ip: "192.168.7.1" }),
    );
    const mgmt = await fx.network("mgmt");
    expect(mgmt.ns_ip).toBe("192.168.7.1");
    expect(mgmt.freelist).toEqual([["2", "254"]]);
    await fx.refused("IP_OUT_OF_NETWORK", (tx) =>
      addNetwork(tx, { name: "other", network: "192.168.8.0", prefix: 24, ns_ip: "192.168.9.1" }),
    );
  });

  test("addNetwork reserves the frontend address when the network contains it", async () => {
    await using fx = await testCluster({ frontend: "10.30.0.1" });
    expect(await fx.taken("cluster", "10.30.0.1")).toBe(true);
    expect(await fx.taken("ipmi", "10.31.0.1")).toBe(false);
    await fx.addNodes(1);
    expect(ip4(await fx.node("node001"), "enp7s0")).toBe("10.30.0.2");
    expect(ip4(await fx.node("node001"), "BMC")).toBe("10.31.0.1");
    const holders = await fx.write(async (tx) => holdersOf(tx, await fx.network("cluster")));
    expect(holders).toContainEqual({ ip: "10.30.0.1", holder: "frontend" });
  });

  test("addNetwork refuses a network that overlaps another of the same IP version", async () => {
    await using fx = await testCluster();
    const inside = await fx.refused("ALREADY_EXISTS", (tx) =>
      addNetwork(tx, { name: "sub", network: "10.30.5.0", prefix: 24 }),
    );
    expect(inside.message).toContain("'cluster'");
    const around = await fx.refused("ALREADY_EXISTS", (tx) =>
      addNetwork(tx, { name: "big", network: "10.0.0.0", prefix: 8 }),
    );
    expect(around.message).toMatch(/'cluster'|'ipmi'/);
    // Adjacent is fine.
    await fx.write((tx) => addNetwork(tx, { name: "next", network: "10.32.0.0", prefix: 16 }));
  });

  test("addNetwork refuses a duplicate name, a bad prefix and a bad address", async () => {
    await using fx = await testCluster();
    await fx.refused("ALREADY_EXISTS", (tx) =>
      addNetwork(tx, { name: "ipmi", network: "10.77.0.0", prefix: 16 }),
    );
    await fx.refused("INVALID_NETWORK", (tx) =>
      addNetwork(tx, { name: "x", network: "10.77.0.0", prefix: 31 }),
    );
    await fx.refused("INVALID_NETWORK", (tx) =>
      addNetwork(tx, { name: "x", network: "10.77.0.0", prefix: "abc" }),
    );
    await fx.refused("INVALID_IP", (tx) => addNetwork(tx, { name: "x", network: "10.77.0", prefix: 16 }));
  });
});

describe("network prefix change", () => {
  test("changeNetwork --prefix shrink is refused when a holder would fall outside, naming it", async () => {
    await using fx = await withIb(16, { ns_ip: "10.40.0.254" });
    await fx.addNodes(1);
    await fx.write((tx) => changeNode(tx, "node001", { ips: [["ib0", "10.40.200.1"]] }));
    const err = await fx.refused("IP_OUT_OF_NETWORK", (tx) => changeNetwork(tx, "ib", { prefix: "17" }));
    expect(err.message).toContain("node/node001:ib0 (10.40.200.1)");
  });

  test("changeNetwork --prefix shrink is refused while the default name server would fall outside", async () => {
    await using fx = await withIb(16);
    const err = await fx.refused("IP_OUT_OF_NETWORK", (tx) => changeNetwork(tx, "ib", { prefix: "17" }));
    expect(err.message).toContain("nameserver");
    expect(err.message).toContain("10.40.255.254");
  });

  test("changeNetwork --prefix shrink keeps every held address and cuts the pool", async () => {
    await using fx = await withIb(16, { ns_ip: "10.40.0.254" });
    await fx.addNodes(2);
    await fx.write((tx) => changeNetwork(tx, "ib", { prefix: "24" }));
    const ib = await fx.network("ib");
    expect(ib.prefix).toBe(24);
    expect(ib.freelist).toEqual([["3", "253"]]);
    expect(ip4(await fx.node("node002"), "ib0")).toBe("10.40.0.2");
  });

  test("changeNetwork --prefix grow makes the new addresses free and keeps the old reservations", async () => {
    await using fx = await withIb(17);
    await fx.addNodes(1);
    expect((await fx.network("ib")).ns_ip).toBe("10.40.127.254");
    await fx.write((tx) => changeNetwork(tx, "ib", { prefix: "16" }));
    expect(await fx.taken("ib", "10.40.128.1")).toBe(false);
    expect(await fx.taken("ib", "10.40.255.254")).toBe(false);
    // Unlike the original, the old top address (the name server) stays taken.
    expect(await fx.taken("ib", "10.40.127.254")).toBe(true);
    expect(await fx.taken("ib", "10.40.0.1")).toBe(true);
    expect((await fx.network("ib")).freelist).toEqual([
      ["2", "32765"],
      ["32767", "65534"],
    ]);
    await fx.write((tx) => changeNode(tx, "node001", { ips: [["ib0", "10.40.200.1"]] }));
  });

  test("changeNetwork --prefix grow is refused when the wider network would overlap another", async () => {
    await using fx = await testCluster({ frontend: "10.99.0.1" });
    const err = await fx.refused("ALREADY_EXISTS", (tx) => changeNetwork(tx, "cluster", { prefix: "15" }));
    expect(err.message).toContain("'ipmi'");
    await fx.refused("ALREADY_EXISTS", (tx) => changeNetwork(tx, "ipmi", { prefix: "8" }));
  });

  test("changeNetwork --prefix grow reserves the frontend address when the network now contains it", async () => {
    await using fx = await testCluster({ frontend: "10.40.200.1" });
    await fx.write(async (tx) => {
      await addNetwork(tx, { name: "ib", network: "10.40.0.0", prefix: 17 });
      await changeNetwork(tx, "ib", { prefix: "16" });
    });
    expect(await fx.taken("ib", "10.40.200.1")).toBe(true);
  });
});

describe("network renumber", () => {
  test("changeNetwork --network moves every holder and keeps its offset", async () => {
    await using fx = await withIb(16);
    await fx.addNodes(2);
    await fx.write(async (tx) => {
      await addSwitch(tx, "switch02", { ip: "10.40.253.1" });
      await addOtherDev(tx, "pdu1", { network: "ib", ip: "10.40.250.1" });
    });
    const before = await fx.network("ib");
    await fx.write((tx) => changeNetwork(tx, "ib", { network: "10.50.0.0" }));
    const ib = await fx.network("ib");
    expect(ib).toMatchObject({ network: "10.50.0.0", prefix: 16, ns_ip: "10.50.255.254" });
    expect(ib.freelist).toEqual(before.freelist);
    expect(ip4(await fx.node("node001"), "ib0")).toBe("10.50.0.1");
    expect(ip4(await fx.node("node002"), "ib0")).toBe("10.50.0.2");
    // Other interfaces stay where they were.
    expect(ip4(await fx.node("node002"), "enp7s0")).toBe("10.30.0.2");
    expect((await fx.get("switch", "switch02")).ip).toBe("10.50.253.1");
    expect((await fx.get("otherdev", "pdu1")).connected).toEqual({ [ib.id]: "10.50.250.1" });
    for (const ip of ["10.50.0.1", "10.50.0.2", "10.50.253.1", "10.50.250.1", "10.50.255.254"]) {
      expect(await fx.taken("ib", ip)).toBe(true);
    }
    // A new node follows in the renumbered network.
    await fx.addNodes(1);
    expect(ip4(await fx.node("node003"), "ib0")).toBe("10.50.0.3");
  });

  test("changeNetwork --network is refused for the network that holds the frontend", async () => {
    await using fx = await testCluster();
    const err = await fx.refused("OBJECT_IN_USE", (tx) =>
      changeNetwork(tx, "cluster", { network: "10.60.0.0" }),
    );
    expect(err.message).toContain("10.30.255.254");
  });

  test("changeNetwork --network is refused onto another network, however it overlaps", async () => {
    await using fx = await withIb(16);
    await fx.write((tx) => addNetwork(tx, { name: "mgmt", network: "10.60.5.0", prefix: 24 }));
    await fx.refused("ALREADY_EXISTS", (tx) => changeNetwork(tx, "ib", { network: "10.31.0.0" }));
    // mgmt sits in the middle of 10.60.0.0/16, not at its start.
    const err = await fx.refused("ALREADY_EXISTS", (tx) => changeNetwork(tx, "ib", { network: "10.60.0.0" }));
    expect(err.message).toContain("'mgmt'");
  });

  test("changeNetwork --network is refused when the frontend address would land on a holder", async () => {
    await using fx = await testCluster({ frontend: "10.50.0.1" });
    await fx.write(async (tx) => {
      await addNetwork(tx, { name: "ib", network: "10.40.0.0", prefix: 16 });
      await changeInterface(tx, "compute", "ib0", { op: "setnet", network: "ib" });
    });
    await fx.addNodes(1);
    const err = await fx.refused("IP_TAKEN", (tx) => changeNetwork(tx, "ib", { network: "10.50.0.0" }));
    expect(err.message).toContain("10.50.0.1");
  });

  test("changeNetwork --network reserves the frontend address when it lands on a free one", async () => {
    await using fx = await testCluster({ frontend: "10.50.0.9" });
    await fx.write(async (tx) => {
      await addNetwork(tx, { name: "ib", network: "10.40.0.0", prefix: 16 });
      await changeNetwork(tx, "ib", { network: "10.50.0.0" });
    });
    expect(await fx.taken("ib", "10.50.0.9")).toBe(true);
  });

  test("changeNetwork --network refuses a change of IP version", async () => {
    await using fx = await withIb(16);
    await fx.refused("INVALID_NETWORK", (tx) => changeNetwork(tx, "ib", { network: "fd00::" }));
  });
});

describe("network reservations", () => {
  test("changeNetwork --reserve takes an address out of the pool and --release puts it back", async () => {
    await using fx = await testCluster();
    await fx.write((tx) => changeNetwork(tx, "cluster", { reserve: "10.30.0.1" }));
    expect(await fx.taken("cluster", "10.30.0.1")).toBe(true);
    await fx.addNodes(1);
    expect(ip4(await fx.node("node001"), "enp7s0")).toBe("10.30.0.2");
    await fx.write((tx) => changeNetwork(tx, "cluster", { release: "10.30.0.1" }));
    await fx.addNodes(1);
    expect(ip4(await fx.node("node002"), "enp7s0")).toBe("10.30.0.1");
  });

  test("changeNetwork --release refuses an address that is not reserved", async () => {
    await using fx = await testCluster();
    const err = await fx.refused("INVALID_ARGUMENT", (tx) =>
      changeNetwork(tx, "cluster", { release: "10.30.0.77" }),
    );
    expect(err.message).toContain("is not reserved");
  });

  test("changeNetwork --reserve refuses a taken or outside address", async () => {
    await using fx = await testCluster();
    await fx.addNodes(1);
    await fx.refused("IP_TAKEN", (tx) => changeNetwork(tx, "cluster", { reserve: "10.30.0.1" }));
    await fx.refused("IP_OUT_OF_NETWORK", (tx) => changeNetwork(tx, "cluster", { reserve: "10.31.0.1" }));
  });

  test("changeNetwork --release refuses an address held by a node, naming the node", async () => {
    await using fx = await testCluster();
    await fx.addNodes(1);
    const err = await fx.refused("OBJECT_IN_USE", (tx) =>
      changeNetwork(tx, "cluster", { release: "10.30.0.1" }),
    );
    expect(err.message).toContain("node/node001:enp7s0");
  });

  test("changeNetwork --release refuses the switch, name server and frontend addresses", async () => {
    await using fx = await testCluster();
    expect(
      (await fx.refused("OBJECT_IN_USE", (tx) => changeNetwork(tx, "ipmi", { release: "10.31.253.21" })))
        .message,
    ).toContain("switch/switch01");
    expect(
      (await fx.refused("OBJECT_IN_USE", (tx) => changeNetwork(tx, "ipmi", { release: "10.31.255.254" })))
        .message,
    ).toContain("nameserver");
    await fx.refused("OBJECT_IN_USE", (tx) => changeNetwork(tx, "cluster", { release: "10.30.255.254" }));
  });

  test("changeNetwork --release refuses a node's IPv6 address written in another form", async () => {
    await using fx = await testCluster();
    await fx.write(async (tx) => {
      await addNetwork(tx, { name: "v6", network: "fd00:10::", prefix: 64 });
      await changeInterface(tx, "compute", "enp7s0", { op: "setnet", network: "v6" });
    });
    await fx.addNodes(1);
    expect((await fx.node("node001")).interfaces.enp7s0?.ip6).toBe("fd00:10::1");
    await fx.refused("OBJECT_IN_USE", (tx) => changeNetwork(tx, "v6", { release: "fd00:10:0:0::0001" }));
    expect(await fx.taken("v6", "fd00:10::1")).toBe(true);
  });

  test("changeNetwork --ns_ip moves the name server reservation", async () => {
    await using fx = await testCluster();
    await fx.write((tx) => changeNetwork(tx, "ipmi", { ns_ip: "10.31.0.1" }));
    expect((await fx.network("ipmi")).ns_ip).toBe("10.31.0.1");
    expect(await fx.taken("ipmi", "10.31.0.1")).toBe(true);
    expect(await fx.taken("ipmi", "10.31.255.254")).toBe(false);
    await fx.refused("IP_TAKEN", (tx) => changeNetwork(tx, "ipmi", { ns_ip: "10.31.253.21" }));
  });
});

describe("IPv6 networks", () => {
  test("addNetwork takes an IPv6 network and a node on an IPv6 interface gets the lowest address", async () => {
    await using fx = await testCluster();
    await fx.write((tx) => addNetwork(tx, { name: "v6", network: "fd00:10::", prefix: 64 }));
    const v6 = await fx.network("v6");
    expect(v6).toMatchObject({
      version: 6,
      prefix: 64,
      network: "fd00:10::",
      ns_ip: "fd00:10::ffff:ffff:ffff:fffe",
    });
    expect(v6.freelist).toEqual([["1", "18446744073709551613"]]);
    await fx.addNodes(1);
    await fx.write((tx) => changeInterface(tx, "compute", "enp7s0", { op: "setnet", network: "v6" }));
    await fx.addNodes(1);
    expect((await fx.node("node001")).interfaces.enp7s0).toEqual({ ip4: "10.30.0.1", ip6: "fd00:10::1" });
    expect((await fx.node("node002")).interfaces.enp7s0).toEqual({ ip4: "10.30.0.2", ip6: "fd00:10::2" });
    await fx.write((tx) => changeNode(tx, "node002", { ips: [["enp7s0", "FD00:10::BEEF"]] }));
    expect((await fx.node("node002")).interfaces.enp7s0?.ip6).toBe("fd00:10::beef");
    expect(await fx.taken("v6", "fd00:10::2")).toBe(false);
  });

  test("addNetwork refuses an overlapping IPv6 network but not an IPv4 one with the same bits", async () => {
    await using fx = await testCluster();
    await fx.write((tx) => addNetwork(tx, { name: "v6", network: "fd00:10::", prefix: 64 }));
    await fx.refused("ALREADY_EXISTS", (tx) =>
      addNetwork(tx, { name: "v6b", network: "fd00::", prefix: 16 }),
    );
  });

  test("group delnet needs the network named when an interface has both versions", async () => {
    await using fx = await testCluster();
    await fx.write(async (tx) => {
      await addNetwork(tx, { name: "v6", network: "fd00:10::", prefix: 64 });
      await changeInterface(tx, "compute", "enp7s0", { op: "setnet", network: "v6" });
    });
    await fx.addNodes(1);
    await fx.refused("INVALID_ARGUMENT", (tx) => changeInterface(tx, "compute", "enp7s0", { op: "delnet" }));
    await fx.write((tx) => changeInterface(tx, "compute", "enp7s0", { op: "delnet", network: "v6" }));
    expect((await fx.node("node001")).interfaces.enp7s0).toEqual({ ip4: "10.30.0.1" });
    expect(await fx.taken("v6", "fd00:10::1")).toBe(false);
    await fx.write((tx) => deleteNetwork(tx, "v6"));
  });

  test("group setnet refuses an IPv6 network on the BMC interface", async () => {
    await using fx = await testCluster();
    await fx.write((tx) => addNetwork(tx, { name: "v6", network: "fd00:10::", prefix: 64 }));
    await fx.refused("INVALID_NETWORK", (tx) =>
      changeInterface(tx, "compute", "BMC", { op: "setnet", network: "v6" }),
    );
  });

  test("addNodes gives nodes the same IPv6 address lowest-first after one is released", async () => {
    await using fx = await testCluster();
    await fx.write(async (tx) => {
      await addNetwork(tx, { name: "v6", network: "fd00:10::", prefix: 64 });
      await changeInterface(tx, "compute", "ib0", { op: "setnet", network: "v6" });
    });
    await fx.addNodes(3);
    await fx.write((tx) => changeNode(tx, "node001", { ips: [["ib0", "fd00:10::100"]] }));
    await fx.write((tx) => addNodes(tx, "compute", ["x1"]));
    expect((await fx.node("x1")).interfaces.ib0).toEqual({ ip6: "fd00:10::1" });
  });
});
