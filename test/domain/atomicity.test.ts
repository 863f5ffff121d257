/**
 * One store.write is one transaction: an error after some writes leaves nothing behind, so a
 * failed command never leaks addresses or half-made objects.
 */
import { describe, expect, test } from "bun:test";
import { changeInterface } from "../../src/domain/group.ts";
import { addNetwork } from "../../src/domain/network.ts";
import { changeNetwork } from "../../src/domain/network-change.ts";
import { addNodes, changeNode, deleteNode } from "../../src/domain/node.ts";
import { testCluster } from "../helpers/cluster.ts";

describe("store.write atomicity", () => {
  test("an error thrown after several writes leaves dump() unchanged", async () => {
    await using fx = await testCluster();
    await fx.addNodes(2);
    const before = await fx.store.dump();
    const run = fx.write(async (tx) => {
      await addNodes(tx, "compute", ["node010", "node011"]);
      await deleteNode(tx, "node001");
      await changeNetwork(tx, "cluster", { reserve: "10.30.9.9" });
      await changeNode(tx, "node002", { mac: "52:54:00:00:00:02" });
      throw new Error("boom");
    });
    await expect(run).rejects.toThrow("boom");
    expect(await fx.store.dump()).toBe(before);
  });

  test("a domain error part-way through a batch of nodes creates none of them", async () => {
    await using fx = await testCluster();
    await fx.addNodes(1);
    await fx.refused("ALREADY_EXISTS", (tx) => addNodes(tx, "compute", ["a1", "a2", "node001"]));
    expect(await fx.store.byName("node", "a1")).toBeUndefined();
    // a1 and a2 took no addresses.
    await fx.addNodes(1);
    expect((await fx.node("node002")).interfaces.enp7s0).toEqual({ ip4: "10.30.0.2" });
  });

  test("group setnet that runs out of addresses part-way gives no node an address", async () => {
    await using fx = await testCluster();
    await fx.addNodes(4);
    await fx.write((tx) => addNetwork(tx, { name: "tiny", network: "10.50.0.0", prefix: 30 }));
    // /30: offsets 1..2, the name server holds .2; one node fits, four do not.
    const err = await fx.refused("IP_POOL_EXHAUSTED", (tx) =>
      changeInterface(tx, "compute", "ib0", { op: "setnet", network: "tiny" }),
    );
    expect(err.message).toContain("node002");
    expect(await fx.taken("tiny", "10.50.0.1")).toBe(false);
  });

  test("the store stays usable after a rolled-back transaction", async () => {
    await using fx = await testCluster();
    await expect(
      fx.write(async (tx) => {
        await addNodes(tx, "compute");
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await fx.addNodes(1)).toEqual(["node001"]);
    expect((await fx.node("node001")).interfaces.enp7s0).toEqual({ ip4: "10.30.0.1" });
  });
});
