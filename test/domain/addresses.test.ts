/**
 * Node addresses (reference §4): lowest free offset per network, given back on delete,
 * explicit addresses, group interface network changes and moving a node to another group.
 */
import { describe, expect, test } from "bun:test";
import { addGroup, changeInterface } from "../../src/domain/group.ts";
import { addNetwork, deleteNetwork } from "../../src/domain/network.ts";
import { addNodes, changeNode, deleteNode } from "../../src/domain/node.ts";
import { ip4, testCluster } from "../helpers/cluster.ts";

describe("node addresses", () => {
  test("addNodes gives each interface the lowest free address of its network", async () => {
    await using fx = await testCluster();
    await fx.addNodes(2);
    const n1 = await fx.node("node001");
    const n2 = await fx.node("node002");
    expect(n1.interfaces).toEqual({ enp7s0: { ip4: "10.30.0.1" }, BMC: { ip4: "10.31.0.1" } });
    expect(n2.interfaces).toEqual({ enp7s0: { ip4: "10.30.0.2" }, BMC: { ip4: "10.31.0.2" } });
    expect(await fx.taken("cluster", "10.30.0.1")).toBe(true);
    expect(await fx.taken("cluster", "10.30.0.3")).toBe(false);
  });

  test("addNodes skips addresses already held by the switch and reservations", async () => {
    await using fx = await testCluster();
    await fx.write((tx) => addNetwork(tx, { name: "small", network: "10.50.0.0", prefix: 29 }));
    await fx.write((tx) => changeInterface(tx, "compute", "ib0", { op: "setnet", network: "small" }));
    // /29: offsets 1..6, ns_ip .6; six nodes cannot all fit.
    expect(await fx.addNodes(5)).toHaveLength(5);
    expect((await fx.store.list("node")).map((n) => ip4(n, "ib0"))).toEqual([
      "10.50.0.1",
      "10.50.0.2",
      "10.50.0.3",
      "10.50.0.4",
      "10.50.0.5",
    ]);
    const err = await fx.refused("IP_POOL_EXHAUSTED", (tx) => addNodes(tx, "compute"));
    expect(err.message).toContain("node006");
    expect(err.message).toContain("small");
  });

  test("deleteNode gives its addresses back and the next node reuses the lowest", async () => {
    await using fx = await testCluster();
    await fx.addNodes(3);
    await fx.write((tx) => deleteNode(tx, "node002"));
    expect(await fx.taken("cluster", "10.30.0.2")).toBe(false);
    expect(await fx.taken("ipmi", "10.31.0.2")).toBe(false);
    const [name] = await fx.addNodes(1);
    expect(name).toBe("node004");
    expect((await fx.node("node004")).interfaces).toEqual({
      enp7s0: { ip4: "10.30.0.2" },
      BMC: { ip4: "10.31.0.2" },
    });
  });

  test("changeNode --ip sets an explicit address and frees the old one", async () => {
    await using fx = await testCluster();
    await fx.addNodes(1);
    await fx.write((tx) => changeNode(tx, "node001", { ips: [["enp7s0", "10.30.5.5"]] }));
    expect(ip4(await fx.node("node001"), "enp7s0")).toBe("10.30.5.5");
    expect(await fx.taken("cluster", "10.30.5.5")).toBe(true);
    expect(await fx.taken("cluster", "10.30.0.1")).toBe(false);
    // Setting the same address again is a no-op.
    await fx.write((tx) => changeNode(tx, "node001", { ips: [["enp7s0", "10.30.5.5"]] }));
    expect(await fx.taken("cluster", "10.30.5.5")).toBe(true);
  });

  test("changeNode --ip refuses an address held by another node, the switch or the name server", async () => {
    await using fx = await testCluster();
    await fx.addNodes(2);
    const err = await fx.refused("IP_TAKEN", (tx) =>
      changeNode(tx, "node002", { ips: [["enp7s0", "10.30.0.1"]] }),
    );
    expect(err.message).toContain("10.30.0.1");
    await fx.refused("IP_TAKEN", (tx) => changeNode(tx, "node002", { ips: [["BMC", "10.31.253.21"]] }));
    await fx.refused("IP_TAKEN", (tx) => changeNode(tx, "node002", { ips: [["BMC", "10.31.255.254"]] }));
    expect(ip4(await fx.node("node002"), "enp7s0")).toBe("10.30.0.2");
  });

  test("changeNode --ip refuses addresses outside the interface's network", async () => {
    await using fx = await testCluster();
    await fx.addNodes(1);
    for (const ip of ["10.99.0.1", "10.31.0.9", "10.30.255.255", "10.30.0.0"]) {
      await fx.refused("IP_OUT_OF_NETWORK", (tx) => changeNode(tx, "node001", { ips: [["enp7s0", ip]] }));
    }
    await fx.refused("INVALID_IP", (tx) => changeNode(tx, "node001", { ips: [["enp7s0", "10.30.0.300"]] }));
    await fx.refused("INVALID_ARGUMENT", (tx) => changeNode(tx, "node001", { ips: [["enp7s0", "fd00::1"]] }));
    await fx.refused("NOT_FOUND", (tx) => changeNode(tx, "node001", { ips: [["eth9", "10.30.0.9"]] }));
  });

  test("group setnet gives every existing node an address, in name order", async () => {
    await using fx = await testCluster();
    // Created out of name order, so creation order cannot explain the result.
    for (const name of ["node003", "node001", "node002"])
      await fx.write((tx) => addNodes(tx, "compute", [name]));
    await fx.write((tx) => addNetwork(tx, { name: "ib", network: "10.40.0.0", prefix: 16 }));
    await fx.write((tx) => changeInterface(tx, "compute", "ib0", { op: "setnet", network: "ib" }));
    const nodes = await fx.store.list("node");
    expect(nodes.map((n) => [n.name, ip4(n, "ib0")])).toEqual([
      ["node001", "10.40.0.1"],
      ["node002", "10.40.0.2"],
      ["node003", "10.40.0.3"],
    ]);
    // New nodes get one too.
    await fx.addNodes(1);
    expect(ip4(await fx.node("node004"), "ib0")).toBe("10.40.0.4");
  });

  test("group setnet refuses a second network of the same IP version and a repeat", async () => {
    await using fx = await testCluster();
    await fx.write((tx) => addNetwork(tx, { name: "ib", network: "10.40.0.0", prefix: 16 }));
    await fx.refused("INVALID_ARGUMENT", (tx) =>
      changeInterface(tx, "compute", "enp7s0", { op: "setnet", network: "ib" }),
    );
    await fx.refused("ALREADY_EXISTS", (tx) =>
      changeInterface(tx, "compute", "enp7s0", { op: "setnet", network: "cluster" }),
    );
  });

  test("group delnet releases every node's address on that interface", async () => {
    await using fx = await testCluster();
    await fx.write((tx) => addNetwork(tx, { name: "ib", network: "10.40.0.0", prefix: 16 }));
    await fx.write((tx) => changeInterface(tx, "compute", "ib0", { op: "setnet", network: "ib" }));
    await fx.addNodes(2);
    await fx.write((tx) => changeInterface(tx, "compute", "ib0", { op: "delnet" }));
    for (const name of ["node001", "node002"]) expect(ip4(await fx.node(name), "ib0")).toBeUndefined();
    expect(await fx.taken("ib", "10.40.0.1")).toBe(false);
    expect(await fx.taken("ib", "10.40.0.2")).toBe(false);
    // Nothing refers to the network any more.
    await fx.write((tx) => deleteNetwork(tx, "ib"));
    expect(await fx.store.byName("network", "ib")).toBeUndefined();
  });

  test("group interface delete releases the addresses and removes the node entries", async () => {
    await using fx = await testCluster();
    await fx.addNodes(2);
    await fx.write((tx) => changeInterface(tx, "compute", "BMC", { op: "delete" }));
    for (const name of ["node001", "node002"]) {
      expect(Object.keys((await fx.node(name)).interfaces)).toEqual(["enp7s0"]);
    }
    expect(await fx.taken("ipmi", "10.31.0.1")).toBe(false);
    expect((await fx.get("group", "compute")).interfaces.map((i) => i.name)).toEqual(["enp7s0"]);
  });

  test("group interface rename keeps every node's addresses", async () => {
    await using fx = await testCluster();
    await fx.addNodes(2);
    await fx.write((tx) => changeInterface(tx, "compute", "enp7s0", { op: "rename", to: "eth0" }));
    const n2 = await fx.node("node002");
    expect(n2.interfaces).toEqual({ eth0: { ip4: "10.30.0.2" }, BMC: { ip4: "10.31.0.2" } });
    const g = await fx.get("group", "compute");
    expect(g.boot_if).toBe("eth0");
    expect(await fx.taken("cluster", "10.30.0.2")).toBe(true);
    // The renamed interface still works for explicit addresses.
    await fx.write((tx) => changeNode(tx, "node002", { ips: [["eth0", "10.30.7.7"]] }));
    expect(await fx.taken("cluster", "10.30.0.2")).toBe(false);
  });
});

describe("node group change", () => {
  /** Group gpu: eth1 and enp7s0 on cluster (eth1 first), ipmi0 on ipmi, ib0 on ib. */
  async function withGpuGroup() {
    const fx = await testCluster();
    await fx.write(async (tx) => {
      await addNetwork(tx, { name: "ib", network: "10.40.0.0", prefix: 16 });
      await addGroup(tx, { name: "gpu", osimage: "compute", interface: "eth1", network: "cluster" });
      await changeInterface(tx, "gpu", "enp7s0", { op: "setnet", network: "cluster" });
      await changeInterface(tx, "gpu", "ipmi0", { op: "setnet", network: "ipmi" });
      await changeInterface(tx, "gpu", "ib0", { op: "setnet", network: "ib" });
    });
    return fx;
  }

  test("changeNode --group keeps same-name addresses, then same-network ones, then takes the lowest free", async () => {
    await using fx = await withGpuGroup();
    await fx.addNodes(2);
    await fx.write((tx) =>
      changeNode(tx, "node002", {
        ips: [
          ["enp7s0", "10.30.5.5"],
          ["BMC", "10.31.5.5"],
        ],
      }),
    );
    await fx.write((tx) => changeNode(tx, "node002", { group: "gpu" }));
    const n = await fx.node("node002");
    expect(n.group).toBe((await fx.get("group", "gpu")).id);
    expect(n.interfaces).toEqual({
      // same name and network wins although eth1 comes first
      enp7s0: { ip4: "10.30.5.5" },
      // a new cluster address: the lowest free one (node002's old .0.2 was given back first)
      eth1: { ip4: "10.30.0.2" },
      // BMC's address moved to the other interface on ipmi
      ipmi0: { ip4: "10.31.5.5" },
      ib0: { ip4: "10.40.0.1" },
    });
    expect(await fx.taken("cluster", "10.30.5.5")).toBe(true);
    expect(await fx.taken("ipmi", "10.31.5.5")).toBe(true);
    expect(await fx.taken("ipmi", "10.31.0.2")).toBe(false);
  });

  test("changeNode --group gives back addresses on networks the new group does not use", async () => {
    await using fx = await testCluster();
    await fx.write((tx) =>
      addGroup(tx, { name: "plain", osimage: "compute", interface: "eth0", network: "cluster" }),
    );
    await fx.addNodes(1);
    await fx.write((tx) => changeNode(tx, "node001", { group: "plain" }));
    expect((await fx.node("node001")).interfaces).toEqual({ eth0: { ip4: "10.30.0.1" } });
    expect(await fx.taken("ipmi", "10.31.0.1")).toBe(false);
    // And back: BMC comes from the lowest free address again.
    await fx.write((tx) => changeNode(tx, "node001", { group: "compute" }));
    expect((await fx.node("node001")).interfaces).toEqual({
      enp7s0: { ip4: "10.30.0.1" },
      BMC: { ip4: "10.31.0.1" },
    });
  });

  test("changeNode --group to a group that does not exist changes nothing", async () => {
    await using fx = await testCluster();
    await fx.addNodes(1);
    await fx.refused("NOT_FOUND", (tx) => changeNode(tx, "node001", { group: "nosuch" }));
  });
});
