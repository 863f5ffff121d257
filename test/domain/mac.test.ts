/**
 * Node MACs: one MAC belongs to at most one node, kept in a MAC → node index that every change
 * and delete keeps in step.
 */
import { describe, expect, test } from "bun:test";
import { addOtherDev } from "../../src/domain/devices.ts";
import { addNodes, changeNode, deleteNode, setMac } from "../../src/domain/node.ts";
import { testCluster } from "../helpers/cluster.ts";

const MAC1 = "52:54:00:aa:bb:01";
const MAC2 = "52:54:00:aa:bb:02";

describe("node MAC", () => {
  test("setMac binds a normalised MAC to the node", async () => {
    await using fx = await testCluster();
    await fx.addNodes(1);
    await fx.write((tx) => changeNode(tx, "node001", { mac: "52-54-00-AA-BB-01" }));
    const n = await fx.node("node001");
    expect(n.mac).toBe(MAC1);
    expect(await fx.get("mac", MAC1)).toMatchObject({ name: MAC1, node: n.id });
  });

  test("setMac refuses a MAC owned by another node, naming it", async () => {
    await using fx = await testCluster();
    await fx.addNodes(2);
    await fx.write((tx) => changeNode(tx, "node001", { mac: MAC1 }));
    const err = await fx.refused("ALREADY_EXISTS", (tx) =>
      changeNode(tx, "node002", { mac: MAC1.toUpperCase() }),
    );
    expect(err.message).toContain("node001");
    expect((await fx.node("node002")).mac).toBeNull();
  });

  test("setMac refuses a MAC that belongs to an otherdev", async () => {
    await using fx = await testCluster();
    await fx.addNodes(1);
    await fx.write((tx) => addOtherDev(tx, "pdu1", { mac: MAC2 }));
    const err = await fx.refused("ALREADY_EXISTS", (tx) => changeNode(tx, "node001", { mac: MAC2 }));
    expect(err.message).toContain("pdu1");
  });

  test("setMac with the node's own MAC again changes nothing", async () => {
    await using fx = await testCluster();
    await fx.addNodes(1);
    await fx.write((tx) => changeNode(tx, "node001", { mac: MAC1 }));
    const before = await fx.store.dump();
    await fx.write((tx) => changeNode(tx, "node001", { mac: MAC1 }));
    expect(await fx.store.dump()).toBe(before);
  });

  test("setMac to a new MAC drops the old binding", async () => {
    await using fx = await testCluster();
    await fx.addNodes(2);
    await fx.write((tx) => changeNode(tx, "node001", { mac: MAC1 }));
    await fx.write((tx) => changeNode(tx, "node001", { mac: MAC2 }));
    expect(await fx.store.byName("mac", MAC1)).toBeUndefined();
    expect((await fx.get("mac", MAC2)).node).toBe((await fx.node("node001")).id);
    // The old MAC is free for another node.
    await fx.write((tx) => changeNode(tx, "node002", { mac: MAC1 }));
  });

  test("clearing the MAC removes the binding", async () => {
    await using fx = await testCluster();
    await fx.addNodes(1);
    await fx.write((tx) => changeNode(tx, "node001", { mac: MAC1 }));
    await fx.write((tx) => changeNode(tx, "node001", { mac: "" }));
    expect((await fx.node("node001")).mac).toBeNull();
    expect(await fx.store.list("mac")).toEqual([]);
  });

  test("deleteNode removes its MAC binding so another node can take the MAC", async () => {
    await using fx = await testCluster();
    await fx.addNodes(1);
    await fx.write((tx) => changeNode(tx, "node001", { mac: MAC1 }));
    await fx.write((tx) => deleteNode(tx, "node001"));
    expect(await fx.store.list("mac")).toEqual([]);
    await fx.write(async (tx) => {
      const [n] = await addNodes(tx, "compute", ["node009"]);
      if (n) await tx.update("node", await setMac(tx, n, MAC1));
    });
    expect((await fx.get("mac", MAC1)).node).toBe((await fx.node("node009")).id);
  });

  test("setMac refuses malformed MACs", async () => {
    await using fx = await testCluster();
    await fx.addNodes(1);
    for (const bad of ["52:54:00:aa:bb", "52:54:00:aa:bb:zz", "525400aabb01", "52:54:00:aa:bb:01:02"]) {
      await fx.refused("INVALID_MAC", (tx) => changeNode(tx, "node001", { mac: bad }));
    }
  });
});
