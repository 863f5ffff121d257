/**
 * Node naming (reference §5.1): nodeprefix + the highest existing number + 1, zero-padded to
 * nodedigits; gaps are never filled, explicit names are taken as given.
 */
import { describe, expect, test } from "bun:test";
import { changeCluster, clusterDefaults } from "../../src/domain/cluster.ts";
import type { Cluster } from "../../src/domain/model.ts";
import { addNodes, deleteNode, nextNodeName } from "../../src/domain/node.ts";
import { type TestCluster, testCluster } from "../helpers/cluster.ts";

const names = async (fx: TestCluster) => (await fx.store.list("node")).map((n) => n.name);

describe("node naming", () => {
  test("addNodes names the first nodes node001, node002, node003", async () => {
    await using fx = await testCluster();
    expect(await fx.addNodes(3)).toEqual(["node001", "node002", "node003"]);
  });

  test("addNodes never reuses a gap: node001 and node003 give node004", async () => {
    await using fx = await testCluster();
    await fx.write((tx) => addNodes(tx, "compute", ["node001", "node003"]));
    expect(await fx.addNodes(1)).toEqual(["node004"]);
  });

  test("addNodes does not refill the number of a deleted node in the middle", async () => {
    await using fx = await testCluster();
    await fx.addNodes(3);
    await fx.write((tx) => deleteNode(tx, "node002"));
    expect(await fx.addNodes(1)).toEqual(["node004"]);
    expect(await names(fx)).toEqual(["node001", "node003", "node004"]);
  });

  test("deleting the highest-numbered node frees its number", async () => {
    await using fx = await testCluster();
    await fx.addNodes(3);
    await fx.write((tx) => deleteNode(tx, "node003"));
    expect(await fx.addNodes(1)).toEqual(["node003"]);
  });

  test("addNodes takes explicit names as given and counts them for the next generated name", async () => {
    await using fx = await testCluster();
    await fx.write((tx) => addNodes(tx, "compute", ["login01", "gpu-a.rack1", "node010"]));
    expect(await names(fx)).toEqual(["gpu-a.rack1", "login01", "node010"]);
    expect(await fx.addNodes(1)).toEqual(["node011"]);
  });

  test("addNodes refuses an explicit name that already exists, or one given twice", async () => {
    await using fx = await testCluster();
    await fx.addNodes(1);
    const err = await fx.refused("ALREADY_EXISTS", (tx) => addNodes(tx, "compute", ["node001"]));
    expect(err.message).toContain("node001");
    await fx.refused("ALREADY_EXISTS", (tx) => addNodes(tx, "compute", ["x1", "x1"]));
  });

  test("addNodes refuses an invalid explicit name", async () => {
    await using fx = await testCluster();
    await fx.refused("INVALID_NAME", (tx) => addNodes(tx, "compute", ["bad name"]));
    await fx.refused("INVALID_NAME", (tx) => addNodes(tx, "compute", ["-node"]));
  });

  test("addNodes into a missing group fails with NOT_FOUND", async () => {
    await using fx = await testCluster();
    await fx.refused("NOT_FOUND", (tx) => addNodes(tx, "nosuch"));
  });

  test("addNodes uses a custom nodeprefix and nodedigits", async () => {
    await using fx = await testCluster({ nodeprefix: "cn", nodedigits: "4" });
    expect(await fx.addNodes(2)).toEqual(["cn0001", "cn0002"]);
  });

  test("a changed nodeprefix starts its own numbering and ignores nodes of the old prefix", async () => {
    await using fx = await testCluster();
    await fx.addNodes(2);
    await fx.write((tx) => changeCluster(tx, { nodeprefix: "gpu-", nodedigits: "2" }));
    expect(await fx.addNodes(2)).toEqual(["gpu-01", "gpu-02"]);
  });

  test("addNodes widens past nodedigits instead of wrapping", async () => {
    await using fx = await testCluster({ nodedigits: "1" });
    await fx.write((tx) => addNodes(tx, "compute", ["node9"]));
    expect(await fx.addNodes(1)).toEqual(["node10"]);
  });
});

describe("nextNodeName", () => {
  const cluster = (nodeprefix: string, nodedigits = 3): Cluster => ({
    id: "c",
    ...clusterDefaults(),
    nodeprefix,
    nodedigits,
  });

  test("nextNodeName gives prefix + 1 when no node exists", () => {
    expect(nextNodeName(cluster("node"), [])).toBe("node001");
  });

  test("nextNodeName only counts names that are exactly the prefix followed by digits", () => {
    // The original stripped a character set (lstrip), so 'n01' counted for prefix 'node'; this one does not.
    expect(nextNodeName(cluster("node"), ["n07", "node1a", "nodeX", "xnode009", "node002"])).toBe("node003");
  });

  test("nextNodeName treats regex characters in the prefix literally", () => {
    expect(nextNodeName(cluster("n.de"), ["nxde005", "n.de002"])).toBe("n.de003");
    expect(nextNodeName(cluster("a+b"), ["aab7", "aaab8", "a+b01"])).toBe("a+b002");
    expect(nextNodeName(cluster("c[1]-"), ["c1-5", "c[1]-04"])).toBe("c[1]-005");
    expect(nextNodeName(cluster("x\\d"), ["x5", "xd5", "x\\d2"])).toBe("x\\d003");
    expect(nextNodeName(cluster("(a|b)"), ["a9", "b9", "(a|b)3"])).toBe("(a|b)004");
  });

  test("nextNodeName accepts a prefix with a hyphen from the cluster settings", async () => {
    await using fx = await testCluster({ nodeprefix: "rack-1-" });
    await fx.write((tx) => addNodes(tx, "compute", ["rack-1-007", "rack-10-099", "rack-1-x"]));
    expect(await fx.addNodes(1)).toEqual(["rack-1-008"]);
  });

  test("cluster settings refuse a nodeprefix with regex or other special characters", async () => {
    await using fx = await testCluster();
    for (const bad of ["n.de", "a+b", "1node", ""]) {
      await fx.refused("INVALID_ARGUMENT", (tx) => changeCluster(tx, { nodeprefix: bad }));
    }
  });
});
