/**
 * References between objects (reference §3.1): deletes are refused while the object is used,
 * with the users named as [kind/name]; renames change only the name, so every link survives.
 */
import { describe, expect, test } from "bun:test";
import { deleteBmcSetup } from "../../src/domain/bmcsetup.ts";
import { renameDoc, usersOf } from "../../src/domain/common.ts";
import { addOtherDev, deleteOtherDev, deleteSwitch } from "../../src/domain/devices.ts";
import { addGroup, changeGroup, changeInterface, cloneGroup, deleteGroup } from "../../src/domain/group.ts";
import { deleteNetwork } from "../../src/domain/network.ts";
import { changeNode, deleteNode } from "../../src/domain/node.ts";
import { deleteOsImage } from "../../src/domain/osimage.ts";
import { testCluster } from "../helpers/cluster.ts";

describe("delete of a used object", () => {
  test("deleteOsImage is refused while a group uses it, naming the group", async () => {
    await using fx = await testCluster();
    await fx.write((tx) => cloneGroup(tx, "compute", "gpu"));
    const err = await fx.refused("OBJECT_IN_USE", (tx) => deleteOsImage(tx, "compute"));
    expect(err.message).toBe("Cannot delete osimage 'compute': it is used by [group/compute], [group/gpu]");
  });

  test("deleteOsImage succeeds once no group uses it", async () => {
    await using fx = await testCluster();
    await fx.write(async (tx) => {
      await deleteGroup(tx, "compute");
      await deleteOsImage(tx, "compute");
    });
    expect(await fx.store.byName("osimage", "compute")).toBeUndefined();
  });

  test("deleteBmcSetup is refused while a group uses it, and allowed once the group drops it", async () => {
    await using fx = await testCluster();
    const err = await fx.refused("OBJECT_IN_USE", (tx) => deleteBmcSetup(tx, "base"));
    expect(err.message).toContain("[group/compute]");
    await fx.write(async (tx) => {
      await changeGroup(tx, "compute", { bmcsetup: "" });
      await deleteBmcSetup(tx, "base");
    });
  });

  test("deleteNetwork is refused while groups, switches or otherdevs use it, naming each", async () => {
    await using fx = await testCluster();
    await fx.write((tx) => addOtherDev(tx, "pdu1", { network: "ipmi", ip: "10.31.250.1" }));
    const ipmi = await fx.refused("OBJECT_IN_USE", (tx) => deleteNetwork(tx, "ipmi"));
    expect(ipmi.message).toContain("[group/compute]");
    expect(ipmi.message).toContain("[switch/switch01]");
    expect(ipmi.message).toContain("[otherdev/pdu1]");
    const cluster = await fx.refused("OBJECT_IN_USE", (tx) => deleteNetwork(tx, "cluster"));
    expect(cluster.message).toContain("[group/compute]");
  });

  test("deleteNetwork is refused while a group uses it only as its domain", async () => {
    await using fx = await testCluster();
    await fx.write((tx) => changeInterface(tx, "compute", "enp7s0", { op: "delnet" }));
    expect((await fx.get("group", "compute")).domain).toBe((await fx.network("cluster")).id);
    await fx.refused("OBJECT_IN_USE", (tx) => deleteNetwork(tx, "cluster"));
    await fx.write(async (tx) => {
      await changeGroup(tx, "compute", { domain: "" });
      await deleteNetwork(tx, "cluster");
    });
  });

  test("deleteNetwork succeeds after its last user is gone", async () => {
    await using fx = await testCluster();
    await fx.write(async (tx) => {
      await deleteSwitch(tx, "switch01");
      await changeInterface(tx, "compute", "BMC", { op: "delete" });
      await deleteNetwork(tx, "ipmi");
    });
    expect(await fx.store.byName("network", "ipmi")).toBeUndefined();
  });

  test("deleteSwitch is refused while a node is on it and gives its address back when deleted", async () => {
    await using fx = await testCluster();
    await fx.addNodes(2);
    await fx.write((tx) => changeNode(tx, "node002", { switch: "switch01", port: "7" }));
    const err = await fx.refused("OBJECT_IN_USE", (tx) => deleteSwitch(tx, "switch01"));
    expect(err.message).toContain("[node/node002]");
    expect(err.message).not.toContain("node001");
    await fx.write(async (tx) => {
      await changeNode(tx, "node002", { switch: "" });
      await deleteSwitch(tx, "switch01");
    });
    expect(await fx.taken("ipmi", "10.31.253.21")).toBe(false);
  });

  test("deleteOtherDev gives back its addresses", async () => {
    await using fx = await testCluster();
    await fx.write((tx) => addOtherDev(tx, "pdu1", { network: "ipmi", ip: "10.31.250.1" }));
    expect(await fx.taken("ipmi", "10.31.250.1")).toBe(true);
    await fx.write((tx) => deleteOtherDev(tx, "pdu1"));
    expect(await fx.taken("ipmi", "10.31.250.1")).toBe(false);
  });

  test("deleteGroup is refused while it has nodes, naming them", async () => {
    await using fx = await testCluster();
    await fx.addNodes(2);
    const err = await fx.refused("OBJECT_IN_USE", (tx) => deleteGroup(tx, "compute"));
    expect(err.message).toContain("[node/node001], [node/node002]");
    await fx.write(async (tx) => {
      await deleteNode(tx, "node001");
      await deleteNode(tx, "node002");
      await deleteGroup(tx, "compute");
    });
  });

  test("a refused delete names at most ten users and counts the rest", async () => {
    await using fx = await testCluster();
    await fx.addNodes(12);
    const err = await fx.refused("OBJECT_IN_USE", (tx) => deleteGroup(tx, "compute"));
    expect(err.message).toContain("[node/node010], and 2 more");
    expect(err.message).not.toContain("node011");
  });

  test("deleting a missing object fails with NOT_FOUND", async () => {
    await using fx = await testCluster();
    await fx.refused("NOT_FOUND", (tx) => deleteNetwork(tx, "nosuch"));
    await fx.refused("NOT_FOUND", (tx) => deleteGroup(tx, "nosuch"));
    await fx.refused("NOT_FOUND", (tx) => deleteNode(tx, "nosuch"));
  });
});

describe("rename", () => {
  test("renaming a group keeps its nodes in it", async () => {
    await using fx = await testCluster();
    await fx.addNodes(1);
    await fx.write((tx) => renameDoc(tx, "group", "compute", "cpu"));
    const cpu = await fx.get("group", "cpu");
    expect((await fx.node("node001")).group).toBe(cpu.id);
    expect(await fx.store.byName("group", "compute")).toBeUndefined();
    const err = await fx.refused("OBJECT_IN_USE", (tx) => deleteGroup(tx, "cpu"));
    expect(err.message).toContain("[node/node001]");
    // The node can still be changed through the renamed group.
    await fx.write((tx) => changeNode(tx, "node001", { ips: [["enp7s0", "10.30.1.1"]] }));
  });

  test("renaming a network, osimage or bmcsetup keeps the group's links and the users list", async () => {
    await using fx = await testCluster();
    await fx.write(async (tx) => {
      await renameDoc(tx, "network", "cluster", "prov");
      await renameDoc(tx, "osimage", "compute", "rocky9");
      await renameDoc(tx, "bmcsetup", "base", "ipmi-default");
    });
    const g = await fx.get("group", "compute");
    expect(g.osimage).toBe((await fx.get("osimage", "rocky9")).id);
    expect(g.bmcsetup).toBe((await fx.get("bmcsetup", "ipmi-default")).id);
    expect(g.interfaces[0]?.network4).toBe((await fx.network("prov")).id);
    const prov = await fx.network("prov");
    expect(await fx.write((tx) => usersOf(tx, "network", prov.id))).toEqual(["[group/compute]"]);
    await fx.refused("OBJECT_IN_USE", (tx) => deleteOsImage(tx, "rocky9"));
    // New nodes still get addresses from the renamed network.
    await fx.addNodes(1);
    expect((await fx.node("node001")).interfaces.enp7s0).toEqual({ ip4: "10.30.0.1" });
  });

  test("renaming a node keeps its addresses and MAC binding", async () => {
    await using fx = await testCluster();
    await fx.addNodes(1);
    await fx.write((tx) => changeNode(tx, "node001", { mac: "52:54:00:00:00:01" }));
    await fx.write((tx) => renameDoc(tx, "node", "node001", "login01"));
    const n = await fx.node("login01");
    expect(n.interfaces.enp7s0).toEqual({ ip4: "10.30.0.1" });
    expect((await fx.get("mac", "52:54:00:00:00:01")).node).toBe(n.id);
  });

  test("rename refuses a taken or invalid name", async () => {
    await using fx = await testCluster();
    await fx.write((tx) => addGroup(tx, { name: "gpu", osimage: "compute" }));
    await fx.refused("ALREADY_EXISTS", (tx) => renameDoc(tx, "group", "compute", "gpu"));
    await fx.refused("INVALID_NAME", (tx) => renameDoc(tx, "group", "compute", "has space"));
    await fx.refused("NOT_FOUND", (tx) => renameDoc(tx, "group", "nosuch", "x"));
  });
});
