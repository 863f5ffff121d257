/**
 * The cluster document: init once (or --force), settings validation, and the frontend address
 * reservation that follows the frontend.
 */
import { describe, expect, test } from "bun:test";
import { type ClusterInput, changeCluster, initCluster } from "../../src/domain/cluster.ts";
import { addNetwork } from "../../src/domain/network.ts";
import { emptyStore, testCluster } from "../helpers/cluster.ts";

/** Every stored line except the cluster document itself. */
const others = (dump: string) =>
  dump
    .split("\n")
    .filter((l) => !l.startsWith("cluster\t"))
    .join("\n");

describe("cluster init", () => {
  test("initCluster stores the defaults with the given settings", async () => {
    await using box = await emptyStore();
    const c = await box.store.write((tx) => initCluster(tx, { frontend_address: "10.30.255.254" }, false));
    expect(c).toMatchObject({
      name: "general",
      nodeprefix: "node",
      nodedigits: 3,
      frontend_address: "10.30.255.254",
      frontend_port: 7050,
    });
    expect(await box.store.byName("cluster", "general")).toEqual(c);
  });

  test("use cases before initCluster fail with CLUSTER_NOT_INITIALISED", async () => {
    await using box = await emptyStore();
    await expect(
      box.store.write((tx) => addNetwork(tx, { name: "cluster", network: "10.30.0.0", prefix: 16 })),
    ).rejects.toMatchObject({ code: "CLUSTER_NOT_INITIALISED" });
    await expect(box.store.write((tx) => changeCluster(tx, { nodeprefix: "cn" }))).rejects.toMatchObject({
      code: "CLUSTER_NOT_INITIALISED",
    });
    expect(await box.store.dump()).toBe("");
  });

  test("initCluster a second time is refused without force", async () => {
    await using fx = await testCluster();
    const err = await fx.refused("CLUSTER_EXISTS", (tx) => initCluster(tx, {}, false));
    expect(err.hint).toContain("--force");
  });

  test("initCluster --force resets the settings but keeps every other object and the cluster id", async () => {
    await using fx = await testCluster({ nodeprefix: "cn" });
    await fx.addNodes(2);
    const before = await fx.store.dump();
    const old = await fx.get("cluster", "general");
    await fx.write((tx) => initCluster(tx, { frontend_address: "10.30.255.254", nodedigits: "2" }, true));
    const now = await fx.get("cluster", "general");
    expect(now.id).toBe(old.id);
    expect(now.nodeprefix).toBe("node");
    expect(now.nodedigits).toBe(2);
    expect(others(await fx.store.dump())).toBe(others(before));
    expect(await fx.addNodes(1)).toEqual(["node01"]);
  });

  test("initCluster refuses invalid settings and stores nothing", async () => {
    await using box = await emptyStore();
    const cases: [ClusterInput, string][] = [
      [{ nodedigits: "0" }, "INVALID_ARGUMENT"],
      [{ frontend_port: "70000" }, "INVALID_ARGUMENT"],
      [{ frontend_address: "10.30.0" }, "INVALID_IP"],
      [{ path: "relative/path" }, "INVALID_ARGUMENT"],
      [{ frontend_https: "maybe" }, "INVALID_ARGUMENT"],
      [{ torrent_listen_port_min: "7300", torrent_listen_port_max: "7200" }, "INVALID_ARGUMENT"],
    ];
    for (const [input, code] of cases) {
      await expect(box.store.write((tx) => initCluster(tx, input, false))).rejects.toMatchObject({ code });
    }
    expect(await box.store.dump()).toBe("");
  });
});

describe("frontend address", () => {
  test("changeCluster --frontend_address moves the reservation to the new address", async () => {
    await using fx = await testCluster();
    await fx.write((tx) => changeCluster(tx, { frontend_address: "10.30.0.250" }));
    expect(await fx.taken("cluster", "10.30.0.250")).toBe(true);
    await fx.write((tx) => changeCluster(tx, { frontend_address: "10.30.0.251" }));
    expect(await fx.taken("cluster", "10.30.0.250")).toBe(false);
    expect(await fx.taken("cluster", "10.30.0.251")).toBe(true);
    // The seed frontend was the name server too; that reservation stays.
    expect(await fx.taken("cluster", "10.30.255.254")).toBe(true);
  });

  test("changeCluster --frontend_address keeps the new address from nodes", async () => {
    await using fx = await testCluster();
    await fx.write((tx) => changeCluster(tx, { frontend_address: "10.30.0.1" }));
    await fx.addNodes(1);
    expect((await fx.node("node001")).interfaces.enp7s0).toEqual({ ip4: "10.30.0.2" });
  });

  test("changeCluster --frontend_address moves between networks and off every network", async () => {
    await using fx = await testCluster();
    await fx.write((tx) => changeCluster(tx, { frontend_address: "10.30.0.250" }));
    await fx.write((tx) => changeCluster(tx, { frontend_address: "10.31.0.250" }));
    expect(await fx.taken("cluster", "10.30.0.250")).toBe(false);
    expect(await fx.taken("ipmi", "10.31.0.250")).toBe(true);
    await fx.write((tx) => changeCluster(tx, { frontend_address: "192.0.2.1" }));
    expect(await fx.taken("ipmi", "10.31.0.250")).toBe(false);
    expect((await fx.get("cluster", "general")).frontend_address).toBe("192.0.2.1");
  });

  test("changeCluster --frontend_address refuses an address a node or the switch holds", async () => {
    await using fx = await testCluster();
    await fx.addNodes(1);
    await fx.refused("IP_TAKEN", (tx) => changeCluster(tx, { frontend_address: "10.30.0.1" }));
    await fx.refused("IP_TAKEN", (tx) => changeCluster(tx, { frontend_address: "10.31.253.21" }));
  });

  test("initCluster --force with another frontend releases the old address and reserves the new", async () => {
    await using fx = await testCluster({ frontend: "10.30.0.9" });
    expect(await fx.taken("cluster", "10.30.0.9")).toBe(true);
    await fx.write((tx) => initCluster(tx, { frontend_address: "10.30.0.10" }, true));
    expect(await fx.taken("cluster", "10.30.0.9")).toBe(false);
    expect(await fx.taken("cluster", "10.30.0.10")).toBe(true);
  });
});
