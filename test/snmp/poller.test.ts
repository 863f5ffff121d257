/**
 * Switch-port discovery against a real SNMP agent: the poller walks the Q-BRIDGE (and BRIDGE)
 * FDB table, stores what it learned, and step=discovery with a MAC seen on the port configured
 * for a node returns that node's boot script, binding the MAC; an uplink port never matches;
 * malformed rows are skipped and counted; a silent switch times out instead of hanging.
 */
import { expect, test } from "bun:test";
import { findBySwitchPort, parseFdb } from "../../src/domain/fdb.ts";
import { changeNode } from "../../src/domain/node.ts";
import { createApp } from "../../src/server/app.ts";
import { pollSwitch, storeFdb } from "../../src/snmp/poller.ts";
import { clusterFixture } from "../helpers/cluster-fixture.ts";
import { freeUdpPort, startSwitchAgent } from "../helpers/snmp-agent.ts";

const UPLINK = Array.from({ length: 6 }, (_, i) => ({ mac: `52:54:00:00:09:0${i}`, port: 9 }));

test("a MAC learned on node002's switch port makes discovery return node002 and binds the MAC", async () => {
  await using fx = await clusterFixture({ nodes: 3 });
  await using agent = await startSwitchAgent([{ mac: "52:54:00:00:00:22", port: 2, vlan: 10 }, ...UPLINK]);
  await fx.store.write(async (tx) => {
    await changeNode(tx, "node002", { switch: "switch01", port: "2" });
    await changeNode(tx, "node003", { switch: "switch01", port: "9" });
  });
  const sw = (await fx.store.byName("switch", "switch01"))!;
  const polled = await pollSwitch({ ...sw, ip: "127.0.0.1" }, { port: agent.port, timeoutMs: 2000 });
  expect(polled.skipped).toBe(0);
  expect(polled.entries).toContainEqual({ mac: "52:54:00:00:00:22", port: "2", vlan: 10 });
  const { uplinks } = await storeFdb(fx.store, sw, polled.entries, 4, new Date().toISOString());
  expect(uplinks).toEqual(["9"]);

  const app = createApp({
    store: fx.store,
    log: { info() {}, warn() {}, error() {} },
    now: () => new Date(),
    secureInstall: false,
    bySwitch: findBySwitchPort,
  });
  const r = await app.handle(new Request("http://localhost/luna?step=discovery&hwdata=52:54:00:00:00:22"));
  expect(r.status).toBe(200);
  expect(await r.text()).toContain("luna.node=node002");
  expect((await fx.store.byName("mac", "52:54:00:00:00:22"))?.node).toBe(
    (await fx.store.byName("node", "node002"))?.id as string,
  );

  const uplink = await app.handle(
    new Request("http://localhost/luna?step=discovery&hwdata=52:54:00:00:09:03"),
  );
  expect(uplink.status).toBe(404);
});

test("the BRIDGE-MIB table and SNMP v1 work too", async () => {
  await using agent = await startSwitchAgent([{ mac: "52:54:00:00:00:31", port: 5 }]);
  const sw = {
    id: "s",
    name: "sw",
    network: "n",
    ip: "127.0.0.1",
    read: "public",
    rw: "private",
    oid: ".1.3.6.1.2.1.17.4.3.1.2",
    comment: "",
  };
  const r = await pollSwitch(sw, { port: agent.port, version: "1", timeoutMs: 2000 });
  expect(r.entries).toEqual([{ mac: "52:54:00:00:00:31", port: "5", vlan: 0 }]);
});

test("a switch that does not answer times out with a clear error", async () => {
  const sw = {
    id: "s",
    name: "dead",
    network: "n",
    ip: "127.0.0.1",
    read: "public",
    rw: "private",
    oid: ".1.3.6.1.2.1.17.7.1.2.2.1.2",
    comment: "",
  };
  const port = await freeUdpPort();
  await expect(pollSwitch(sw, { port, timeoutMs: 300, retries: 0 })).rejects.toThrow(
    /SNMP walk of dead \(127\.0\.0\.1\) failed/,
  );
});

test("malformed FDB rows are skipped and counted, never stored", () => {
  const base = ".1.3.6.1.2.1.17.7.1.2.2.1.2";
  const r = parseFdb(base, [
    { oid: "1.3.6.1.2.1.17.7.1.2.2.1.2.1.82.84.0.0.0.1", value: 3 },
    { oid: "1.3.6.1.2.1.17.7.1.2.2.1.2.1.82.84.0.0", value: 3 },
    { oid: "1.3.6.1.2.1.17.7.1.2.2.1.2.1.82.84.0.0.0.999", value: 3 },
    { oid: "1.3.6.1.2.1.17.7.1.2.2.1.2.1.82.84.0.0.0.2", value: "x" },
    { oid: "1.3.6.1.2.1.17.7.1.2.2.1.2.1.82.84.0.0.0.3", value: 0 },
    { oid: "1.3.6.1.2.1.99.1", value: 3 },
  ]);
  expect(r.entries).toEqual([{ mac: "52:54:00:00:00:01", port: "3", vlan: 1 }]);
  expect(r.skipped).toBe(5);
});
