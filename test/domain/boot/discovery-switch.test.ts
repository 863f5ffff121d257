/**
 * The pure part of switch-port discovery (src/domain/boot/discovery-switch.ts): uplink ports, how a
 * poll changes the stored MACs, and which node a booting machine's MACs point at.
 */
import { describe, expect, test } from "bun:test";
import {
  type FdbEntry,
  findNodeBySwitchPort,
  planFdbUpdate,
  type SeenMac,
  uplinkPorts,
} from "../../../src/domain/boot/discovery-switch.ts";
import type { Node, SwitchMac } from "../../../src/domain/model.ts";

const node = (name: string, sw: string | null, port: string): Node => ({
  id: `id-${name}`,
  name,
  group: "g",
  mac: null,
  switch: sw,
  port,
  localboot: false,
  setupbmc: true,
  service: false,
  interfaces: {},
  status: null,
  history: [],
  comment: "",
});

const mac = (n: number) => `52:54:00:00:00:${n.toString(16).padStart(2, "0")}`;
const fdb = (port: string, ...macs: number[]): FdbEntry[] =>
  macs.map((m) => ({ mac: mac(m), port, vlan: 1 }));
const T0 = "2026-01-01T00:00:00.000Z";
const T1 = "2026-01-01T00:00:30.000Z";

describe("uplinkPorts", () => {
  const cases: [string, FdbEntry[], number, string[]][] = [
    ["no entries", [], 4, []],
    ["one MAC a port", [...fdb("1", 1), ...fdb("2", 2)], 4, []],
    ["exactly the limit", fdb("9", 1, 2, 3, 4), 4, []],
    ["one over the limit", fdb("9", 1, 2, 3, 4, 5), 4, ["9"]],
    ["a limit of one", [...fdb("1", 1, 2), ...fdb("2", 3)], 1, ["1"]],
    [
      "the same MAC in several VLANs counts once",
      [1, 2, 3, 4, 5].map((vlan) => ({ mac: mac(1), port: "3", vlan })),
      4,
      [],
    ],
  ];
  for (const [what, entries, max, ports] of cases) {
    test(`uplinkPorts with ${what}`, () => {
      expect([...uplinkPorts(entries, max)]).toEqual(ports);
    });
  }
});

describe("planFdbUpdate", () => {
  const stored = (m: number, port: string, seen = T0, portname?: string): SwitchMac => ({
    id: `doc-${m}`,
    name: `sw/${mac(m)}`,
    switch: "sw",
    port,
    mac: mac(m),
    vlan: 1,
    seen,
    ...(portname ? { portname } : {}),
  });
  const plan = (existing: SwitchMac[], entries: FdbEntry[], expireBefore = "2025-12-31T23:55:00.000Z") =>
    planFdbUpdate({ switchId: "sw", existing, entries, maxMacsPerPort: 4, now: T1, expireBefore });

  test("planFdbUpdate stores access-port MACs and leaves uplink MACs out", () => {
    const p = plan([], [...fdb("1", 1), ...fdb("9", 10, 11, 12, 13, 14)]);
    expect(p.uplinks).toEqual(["9"]);
    expect(p.upserts.map((d) => [d.name, d.port, d.seen])).toEqual([[`sw/${mac(1)}`, "1", T1]]);
    expect(p.removals).toEqual([]);
  });

  test("planFdbUpdate keeps a stored MAC's id and takes its new port", () => {
    const p = plan([stored(1, "1")], [{ mac: mac(1), port: "5", vlan: 7, portname: "Gi1/0/5" }]);
    expect(p.upserts).toEqual([
      {
        id: "doc-1",
        name: `sw/${mac(1)}`,
        switch: "sw",
        port: "5",
        portname: "Gi1/0/5",
        mac: mac(1),
        vlan: 7,
        seen: T1,
      },
    ]);
  });

  test("planFdbUpdate keeps a MAC missing from one poll until it expires", () => {
    expect(plan([stored(1, "1", T0)], []).removals).toEqual([]);
    expect(plan([stored(1, "1", T0)], [], T1).removals).toEqual(["doc-1"]);
  });

  test("planFdbUpdate removes a MAC that moved behind an uplink", () => {
    const p = plan([stored(10, "1")], fdb("9", 10, 11, 12, 13, 14));
    expect(p.upserts).toEqual([]);
    expect(p.removals).toEqual(["doc-10"]);
  });

  test("planFdbUpdate removes stored MACs of a port that became an uplink", () => {
    const p = plan([stored(20, "9")], fdb("9", 10, 11, 12, 13, 14));
    expect(p.removals).toEqual(["doc-20"]);
  });

  test("planFdbUpdate prefers a MAC's access port over an uplink in the same poll", () => {
    const p = plan([], [...fdb("9", 1, 11, 12, 13, 14), ...fdb("2", 1)]);
    expect(p.upserts.map((d) => [d.mac, d.port])).toEqual([[mac(1), "2"]]);
  });

  test("planFdbUpdate lists uplinks in port order", () => {
    const many = (port: string) =>
      fdb(port, 1, 2, 3, 4, 5).map((e) => ({ ...e, mac: `${port}${e.mac.slice(2)}` }));
    expect(plan([], [...many("10"), ...many("9"), ...many("2")]).uplinks).toEqual(["2", "9", "10"]);
  });
});

describe("findNodeBySwitchPort", () => {
  const nodes = [node("node001", "sw1", "1"), node("node002", "sw1", "2"), node("node003", "sw2", "Gi1/0/3")];
  const seen = (m: number, sw: string, port: string, extra: Partial<SeenMac> = {}): SeenMac => ({
    switch: sw,
    port,
    mac: mac(m),
    seen: T0,
    ...extra,
  });

  test("findNodeBySwitchPort returns the node configured on the port the MAC was seen on", () => {
    expect(findNodeBySwitchPort([seen(1, "sw1", "1")], nodes, [mac(1)])).toMatchObject({
      node: { name: "node001" },
      mac: mac(1),
      switch: "sw1",
      port: "1",
    });
  });

  test("findNodeBySwitchPort compares MACs without regard to case", () => {
    expect(findNodeBySwitchPort([seen(1, "sw1", "1")], nodes, [mac(1).toUpperCase()])?.mac).toBe(mac(1));
  });

  test("findNodeBySwitchPort matches a node's port by the port's ifName, as the original did", () => {
    const e = seen(7, "sw2", "3", { portname: "gi1/0/3" });
    expect(findNodeBySwitchPort([e], nodes, [mac(7)])?.node.name).toBe("node003");
  });

  test("findNodeBySwitchPort picks the NIC seen last when several point at one node", () => {
    const r = findNodeBySwitchPort([seen(1, "sw1", "1"), seen(2, "sw1", "1", { seen: T1 })], nodes, [
      mac(1),
      mac(2),
    ]);
    expect(r).toMatchObject({ node: { name: "node001" }, mac: mac(2) });
  });

  const none: [string, SeenMac[], Node[], string[]][] = [
    ["a MAC nobody saw", [seen(1, "sw1", "1")], nodes, [mac(9)]],
    ["a port no node is configured on", [seen(1, "sw1", "7")], nodes, [mac(1)]],
    ["the same port on another switch", [seen(1, "sw2", "1")], nodes, [mac(1)]],
    ["an entry flagged as uplink", [seen(1, "sw1", "1", { uplink: true })], nodes, [mac(1)]],
    ["a node without a port", [seen(1, "sw1", "")], [node("node009", "sw1", "")], [mac(1)]],
    ["MACs pointing at two nodes", [seen(1, "sw1", "1"), seen(2, "sw1", "2")], nodes, [mac(1), mac(2)]],
    ["no MACs", [seen(1, "sw1", "1")], nodes, []],
  ];
  for (const [what, entries, ns, macs] of none) {
    test(`findNodeBySwitchPort finds nothing for ${what}`, () => {
      expect(findNodeBySwitchPort(entries, ns, macs)).toBeUndefined();
    });
  }
});
