/**
 * Switch-port discovery against a real SNMP agent (net-snmp's agent in the test process, on a
 * free loopback port): the poller reads the Q-BRIDGE or BRIDGE FDB table over v2c or v1, stores
 * what it learned, and node001, configured on switch01 port 1, is found by the MAC the switch saw
 * there — through findNodeBySwitchPort and through step=discovery. Uplink MACs never match,
 * malformed rows are skipped and counted, a silent switch times out and backs off.
 */
import { expect, test } from "bun:test";
import { createSocket } from "node:dgram";
import {
  findBySwitchPort,
  findNodeBySwitchPort,
  switchMacName,
} from "../../src/domain/boot/discovery-switch.ts";
import { changeSwitch } from "../../src/domain/devices.ts";
import { AppError } from "../../src/domain/errors.ts";
import { addNetwork } from "../../src/domain/network.ts";
import { changeNode } from "../../src/domain/node.ts";
import type { Store } from "../../src/domain/store.ts";
import { createApp } from "../../src/server/app.ts";
import { createSwitchPoller, type PollReport, type SwitchPollerOptions } from "../../src/snmp/poller.ts";
import { pollSwitch } from "../../src/snmp/session.ts";
import { MAC1, testCluster } from "../helpers/cluster.ts";
import { freeUdpPort, JUNK_BAD_ROWS, JUNK_FDB, JUNK_GOOD, startSwitchAgent } from "../helpers/snmp-agent.ts";

const UPLINK = Array.from({ length: 6 }, (_, i) => ({ mac: `52:54:00:00:09:0${i}`, port: 9 }));
const BRIDGE = ".1.3.6.1.2.1.17.4.3.1.2";
const QBRIDGE = ".1.3.6.1.2.1.17.7.1.2.2.1.2";

/** The seed cluster with switch01 moved to loopback, where the agent listens. */
async function lab(store: Store) {
  await store.write(async (tx) => {
    await addNetwork(tx, { name: "lo", network: "127.0.0.0", prefix: 8 });
    await changeSwitch(tx, "switch01", { ip: "127.0.0.1", network: "lo" });
    // The fixture binds MAC1 to node001; unbound, only the switch port can say who it is.
    await changeNode(tx, "node001", { mac: "" });
    await changeNode(tx, "node003", { switch: "switch01", port: "9" });
  });
  return (await store.byName("switch", "switch01"))!;
}

function logs() {
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    lines.push({ level, msg, fields });
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}

const poller = (store: Store, port: number, o: Partial<SwitchPollerOptions> = {}) =>
  createSwitchPoller({ store, log: logs(), portOf: () => port, snmp: { timeoutMs: 2000 }, ...o });

test("node001's MAC seen on switch01 port 1 is stored, and finds node001 directly and through step=discovery", async () => {
  await using fx = await testCluster({ nodes: 3, packed: true });
  await using agent = await startSwitchAgent([{ mac: MAC1, port: 1, vlan: 10 }, ...UPLINK], {
    portNames: { 1: "Gi1/0/1", 9: "Te1/0/49" },
  });
  const sw = await lab(fx.store);

  expect(await poller(fx.store, agent.port).pollOnce()).toEqual([
    { switch: "switch01", ok: true, macs: 1, uplinks: ["9"], skipped: 0, failures: 0 },
  ]);
  expect(await fx.store.byName("switchmac", switchMacName(sw.id, MAC1))).toMatchObject({
    switch: sw.id,
    port: "1",
    portname: "Gi1/0/1",
    mac: MAC1,
    vlan: 10,
  });
  expect((await fx.store.list("switchmac")).map((m) => m.mac)).toEqual([MAC1]);

  const learned = await fx.store.list("switchmac");
  const nodes = await fx.store.list("node");
  expect(findNodeBySwitchPort(learned, nodes, [MAC1])?.node.name).toBe("node001");
  expect(findNodeBySwitchPort(learned, nodes, [UPLINK[2]!.mac])).toBeUndefined();

  const app = createApp({
    store: fx.store,
    log: logs(),
    now: () => new Date(),
    secureInstall: false,
    bySwitch: findBySwitchPort,
  });
  const hit = await app.handle(new Request(`http://localhost/luna?step=discovery&hwdata=${MAC1}`));
  expect(hit.status).toBe(200);
  expect(await hit.text()).toContain("luna.node=node001");
  expect((await fx.store.byName("mac", MAC1))?.node).toBe((await fx.store.byName("node", "node001"))!.id);

  // node003 is configured on port 9, the uplink: none of the MACs behind it may claim it.
  for (const { mac } of UPLINK) {
    const miss = await app.handle(new Request(`http://localhost/luna?step=discovery&hwdata=${mac}`));
    expect(miss.status).toBe(404);
  }
  expect(await fx.store.byName("mac", UPLINK[0]!.mac)).toBeUndefined();
});

for (const [version, oid, vlan] of [
  ["2c", BRIDGE, 0],
  ["1", QBRIDGE, 10],
  ["1", BRIDGE, 0],
] as const) {
  test(`the poller reads the ${oid === BRIDGE ? "BRIDGE" : "Q-BRIDGE"} table over SNMP v${version}`, async () => {
    await using fx = await testCluster({ nodes: 3, packed: true });
    await using agent = await startSwitchAgent([{ mac: MAC1, port: 1, vlan: 10 }]);
    const sw = await lab(fx.store);
    await fx.store.write((tx) => changeSwitch(tx, "switch01", { snmp_version: version, oid }));
    const [report] = await poller(fx.store, agent.port).pollOnce();
    expect(report).toMatchObject({ ok: true, macs: 1 });
    expect(await fx.store.byName("switchmac", switchMacName(sw.id, MAC1))).toMatchObject({ port: "1", vlan });
    expect((await findBySwitchPort(fx.store, [MAC1]))?.node.name).toBe("node001");
  });
}

test("malformed rows from a switch are skipped, counted and logged; only the good row is stored", async () => {
  await using fx = await testCluster({ nodes: 3, packed: true });
  await using agent = await startSwitchAgent([]);
  await lab(fx.store);
  await fx.store.write((tx) => changeSwitch(tx, "switch01", { oid: JUNK_FDB }));
  const log = logs();
  const [report] = await poller(fx.store, agent.port, { log }).pollOnce();
  expect(report).toMatchObject({ ok: true, macs: 1, skipped: JUNK_BAD_ROWS });
  expect((await fx.store.list("switchmac")).map(({ mac, port, vlan }) => ({ mac, port, vlan }))).toEqual([
    JUNK_GOOD,
  ]);
  const warned = log.lines.find((l) => l.level === "warn");
  expect(warned?.msg).toContain("malformed FDB rows");
  expect(warned?.fields?.skipped).toBe(JUNK_BAD_ROWS);
});

test("a switch that does not answer times out with a clear error, changes nothing, and backs off", async () => {
  await using fx = await testCluster({ nodes: 3, packed: true });
  const sw = await lab(fx.store);
  const closed = await freeUdpPort();
  const e = await pollSwitch(sw, { port: closed, timeoutMs: 100, retries: 0 }).catch((x) => x);
  expect(e).toBeInstanceOf(AppError);
  expect(e.code).toBe("EXTERNAL_COMMAND");
  expect(e.message).toBe(`SNMP poll of switch 'switch01' (127.0.0.1:${closed}) failed: Request timed out`);

  const before = await fx.store.dump();
  let clock = Date.parse("2026-01-01T00:00:00.000Z");
  const interval = 30_000;
  const p = poller(fx.store, closed, {
    now: () => new Date(clock),
    intervalMs: interval,
    maxBackoffMs: 3 * interval,
    snmp: { timeoutMs: 100, retries: 0 },
  });
  const failed = (await p.pollOnce()) as PollReport[];
  expect(failed).toMatchObject([{ ok: false, failures: 1, error: expect.stringContaining("timed out") }]);
  expect(failed[0]?.retryAt).toBe(new Date(clock + 2 * interval).toISOString());
  expect(await p.pollOnce()).toEqual([]); // backing off: not asked again yet
  clock += 2 * interval;
  const again = await p.pollOnce();
  expect(again).toMatchObject([
    { ok: false, failures: 2, retryAt: new Date(clock + 3 * interval).toISOString() },
  ]);
  expect(await fx.store.dump()).toBe(before);
});

test("learned MACs outlive polls that miss them, then expire", async () => {
  await using fx = await testCluster({ nodes: 3, packed: true });
  const gone = { mac: "52:54:00:00:00:02", port: 2 };
  await using agent = await startSwitchAgent([{ mac: MAC1, port: 1 }, gone]);
  await lab(fx.store);
  let clock = Date.parse("2026-01-01T00:00:00.000Z");
  const p = poller(fx.store, agent.port, { now: () => new Date(clock), intervalMs: 1000, keepIntervals: 10 });
  const macs = async () => (await fx.store.list("switchmac")).map((m) => m.mac).sort();

  await p.pollOnce();
  expect(await macs()).toEqual([MAC1, gone.mac]);
  agent.remove(gone);
  clock += 1000;
  await p.pollOnce();
  expect(await macs()).toEqual([MAC1, gone.mac]);
  clock += 10_000;
  await p.pollOnce();
  expect(await macs()).toEqual([MAC1]);
  expect((await fx.store.list("switchmac"))[0]?.seen).toBe(new Date(clock).toISOString());
});

test("the service polls every interval until stopped, and stopping does not wait for a silent switch", async () => {
  await using fx = await testCluster({ nodes: 3, packed: true });
  await using agent = await startSwitchAgent([{ mac: MAC1, port: 1 }]);
  await lab(fx.store);
  const reports: PollReport[] = [];
  let threeRounds!: () => void;
  const seen = new Promise<void>((r) => {
    threeRounds = r;
  });
  const live = poller(fx.store, agent.port, {
    intervalMs: 5,
    onPoll: (r) => {
      reports.push(r);
      if (reports.length === 3) threeRounds();
    },
  });
  await live.start();
  await seen;
  await live.stop();
  expect(reports.slice(0, 3).every((r) => r.ok && r.macs === 1)).toBe(true);

  // A switch that takes the request and never answers: stop once the request is in flight.
  const hole = createSocket("udp4");
  await new Promise<void>((r) => hole.bind(0, "127.0.0.1", () => r()));
  const asked = new Promise((r) => hole.once("message", r));
  const silent = poller(fx.store, hole.address().port, { snmp: { timeoutMs: 60_000, retries: 0 } });
  await silent.start();
  await asked;
  const stopped = await Promise.race([
    silent.stop().then(() => "stopped"),
    new Promise((r) => setTimeout(() => r("still waiting"), 3_000).unref()),
  ]);
  hole.close();
  expect(stopped).toBe("stopped");
});
