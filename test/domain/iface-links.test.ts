/**
 * VLAN, bond and IPoIB settings of a group's interfaces (src/domain/iface-links.ts), through
 * changeInterface on the seed cluster: what is stored, the table of refused changes (each
 * leaves the group as it was), and how deletes, renames and networks respect the links.
 */
import { expect, test } from "bun:test";
import { loadBootData } from "../../src/domain/boot/boot-data.ts";
import { changeInterface } from "../../src/domain/group.ts";
import type { LinkChange } from "../../src/domain/iface-links.ts";
import type { StoreWriter } from "../../src/domain/store.ts";
import { testCluster } from "../helpers/cluster.ts";

const link = (tx: StoreWriter, ifName: string, change: LinkChange) =>
  changeInterface(tx, "compute", ifName, { op: "link", change });

/** compute: enp7s0 (on cluster), BMC, plus eth1 and eth2 without networks. */
async function linked() {
  const fx = await testCluster();
  await fx.write(async (tx) => {
    for (const nic of ["eth1", "eth2"]) await changeInterface(tx, "compute", nic, { op: "add" });
  });
  return fx;
}

test("a bond and a VLAN on it are stored, and the node's boot data carries them", async () => {
  await using fx = await linked();
  await fx.write(async (tx) => {
    await link(tx, "bond0", { bond_mode: "802.3ad", bond_members: "eth1,eth2" });
    await changeInterface(tx, "compute", "bond0", { op: "setnet", network: "cluster" });
    await link(tx, "storage", { vlan: "200", parent: "bond0" });
    await link(tx, "ib7", { ipoib: "y" });
  });
  const g = await fx.get("group", "compute");
  expect(g.interfaces.find((i) => i.name === "bond0")).toMatchObject({
    bond_mode: "802.3ad",
    bond_members: ["eth1", "eth2"],
  });
  expect(g.interfaces.find((i) => i.name === "storage")).toMatchObject({ vlan: 200, parent: "bond0" });
  const [node] = await fx.addNodes(1);
  const data = await loadBootData(fx.store, await fx.node(node as string));
  expect(data.interfaces.map((i) => [i.name, i.link.kind])).toEqual([
    ["enp7s0", "ethernet"],
    ["eth1", "ethernet"],
    ["eth2", "ethernet"],
    ["bond0", "bond"],
    ["storage", "vlan"],
    ["ib7", "infiniband"],
  ]);
  expect(data.interfaces.find((i) => i.name === "bond0")?.ip4).toMatch(/^10\.30\./);
});

test("'' clears a VLAN, a bond or an explicit IPoIB setting", async () => {
  await using fx = await linked();
  await fx.write(async (tx) => {
    await link(tx, "v5", { vlan: "5", parent: "eth1" });
    await link(tx, "v5", { vlan: "" });
    await link(tx, "bond0", { bond_mode: "active-backup", bond_members: "eth2" });
    await link(tx, "bond0", { bond_mode: "" });
    await link(tx, "ib0", { ipoib: "n" });
    await link(tx, "ib0", { ipoib: "" });
  });
  const g = await fx.get("group", "compute");
  for (const name of ["v5", "bond0", "ib0"])
    expect(Object.keys(g.interfaces.find((i) => i.name === name) ?? {}).sort()).toEqual([
      "name",
      "network4",
      "network6",
      "params",
    ]);
});

const REFUSED: { why: string; steps: [string, LinkChange][]; says: RegExp }[] = [
  { why: "VLAN 0", steps: [["v", { vlan: "0", parent: "eth1" }]], says: /Invalid VLAN id '0'/ },
  { why: "VLAN 4095", steps: [["v", { vlan: "4095", parent: "eth1" }]], says: /Invalid VLAN id '4095'/ },
  {
    why: "VLAN not a number",
    steps: [["v", { vlan: "1e2", parent: "eth1" }]],
    says: /Invalid VLAN id '1e2'/,
  },
  { why: "VLAN without parent", steps: [["v", { vlan: "5" }]], says: /needs both a VLAN id and a parent/ },
  {
    why: "parent without VLAN",
    steps: [["v", { parent: "eth1" }]],
    says: /needs both a VLAN id and a parent/,
  },
  {
    why: "missing parent",
    steps: [["v", { vlan: "5", parent: "eth9" }]],
    says: /names 'eth9' as its parent, but group 'compute' has no such/,
  },
  {
    why: "the BMC as parent",
    steps: [["v", { vlan: "5", parent: "BMC" }]],
    says: /names 'BMC' as its parent/,
  },
  { why: "its own parent", steps: [["v", { vlan: "5", parent: "v" }]], says: /cannot be its own parent/ },
  {
    why: "IPoIB parent",
    steps: [
      ["ib0", { ipoib: "y" }],
      ["v", { vlan: "5", parent: "ib0" }],
    ],
    says: /InfiniBand has partitions/,
  },
  {
    why: "a dotted name that is not PARENT.ID",
    steps: [["eth1.6", { vlan: "5", parent: "eth1" }]],
    says: /must be named PARENT\.ID \('eth1\.5'\)/,
  },
  {
    why: "a loop of VLANs",
    steps: [
      ["a", { vlan: "5", parent: "eth1" }],
      ["b", { vlan: "6", parent: "a" }],
      ["a", { parent: "b" }],
    ],
    says: /would depend on each other in a loop: a -> b -> a/,
  },
  {
    why: "unknown bond mode",
    steps: [["bond0", { bond_mode: "lacp", bond_members: "eth1" }]],
    says: /Unknown bond mode 'lacp'.*802\.3ad/s,
  },
  {
    why: "bond without members",
    steps: [["bond0", { bond_mode: "802.3ad" }]],
    says: /Bond 'bond0' needs its members/,
  },
  {
    why: "members without mode",
    steps: [["bond0", { bond_members: "eth1" }]],
    says: /has bond members but no bond mode/,
  },
  {
    why: "missing member",
    steps: [["bond0", { bond_mode: "802.3ad", bond_members: "eth1,eth9" }]],
    says: /names 'eth9' as its bond member/,
  },
  {
    why: "member twice",
    steps: [["bond0", { bond_mode: "802.3ad", bond_members: "eth1,eth1" }]],
    says: /names a member twice/,
  },
  {
    why: "member with a network",
    steps: [["bond0", { bond_mode: "802.3ad", bond_members: "enp7s0,eth1" }]],
    says: /'enp7s0' has a network, but a bond member carries no address/,
  },
  {
    why: "member of two bonds",
    steps: [
      ["bond0", { bond_mode: "802.3ad", bond_members: "eth1" }],
      ["bond1", { bond_mode: "802.3ad", bond_members: "eth1" }],
    ],
    says: /'eth1' is already a member of bond 'bond0'/,
  },
  {
    why: "a VLAN as member",
    steps: [
      ["v", { vlan: "5", parent: "eth2" }],
      ["bond0", { bond_mode: "802.3ad", bond_members: "eth1,v" }],
    ],
    says: /Bond member 'v' is a vlan; a bond is made of NICs/,
  },
  {
    why: "IPoIB bond not active-backup",
    steps: [
      ["ib0", {}],
      ["ib1", {}],
      ["bond0", { bond_mode: "802.3ad", bond_members: "ib0,ib1" }],
    ],
    says: /bonds IPoIB only in active-backup mode/,
  },
  {
    why: "VLAN on a bond member",
    steps: [
      ["bond0", { bond_mode: "802.3ad", bond_members: "eth1" }],
      ["v", { vlan: "5", parent: "eth1" }],
    ],
    says: /'eth1' is a member of bond 'bond0'.*Put the VLAN on 'bond0'/s,
  },
  {
    why: "VLAN and bond at once",
    steps: [["x", { vlan: "5", parent: "eth1", bond_mode: "802.3ad", bond_members: "eth2" }]],
    says: /cannot be a VLAN and a bond at once/,
  },
  { why: "IPoIB VLAN", steps: [["v", { vlan: "5", parent: "eth1", ipoib: "y" }]], says: /cannot be IPoIB/ },
  {
    why: "links on the BMC",
    steps: [["BMC", { vlan: "5", parent: "eth1" }]],
    says: /The BMC interface is set up with ipmitool/,
  },
  { why: "ipoib not y/n", steps: [["ib0", { ipoib: "maybe" }]], says: /Invalid value 'maybe' for --ipoib/ },
];

for (const row of REFUSED) {
  test(`link settings refuse ${row.why}, and the group stays as it was`, async () => {
    await using fx = await linked();
    const [last, ...before] = [...row.steps].reverse();
    await fx.write(async (tx) => {
      for (const [ifName, change] of before.reverse()) await link(tx, ifName, change);
    });
    const was = await fx.get("group", "compute");
    const [ifName, change] = last as [string, LinkChange];
    const err = await fx.refused("INVALID_ARGUMENT", (tx) => link(tx, ifName, change));
    expect(`${err.message}\n${err.hint ?? ""}`).toMatch(row.says);
    expect(await fx.get("group", "compute")).toEqual(was);
  });
}

test("an interface something is built on cannot be deleted; a rename follows the links", async () => {
  await using fx = await linked();
  await fx.write(async (tx) => {
    await link(tx, "bond0", { bond_mode: "active-backup", bond_members: "eth1,eth2" });
    await link(tx, "bond0.7", { vlan: "7", parent: "bond0" });
  });
  const err = await fx.refused("OBJECT_IN_USE", (tx) =>
    changeInterface(tx, "compute", "eth1", { op: "delete" }),
  );
  expect(err.message).toBe("Cannot delete interface 'eth1': 'bond0' is built on it");
  await fx.write((tx) => changeInterface(tx, "compute", "eth1", { op: "rename", to: "ens1" }));
  const g = await fx.get("group", "compute");
  expect(g.interfaces.find((i) => i.name === "bond0")?.bond_members).toEqual(["ens1", "eth2"]);
  // A VLAN named PARENT.ID keeps its parent's name: rename it first.
  const dotted = await fx.refused("INVALID_ARGUMENT", (tx) =>
    changeInterface(tx, "compute", "bond0", { op: "rename", to: "team0" }),
  );
  expect(dotted.message).toContain("must be named PARENT.ID ('team0.7'), not 'bond0.7'");
  await fx.write((tx) => changeInterface(tx, "compute", "bond0.7", { op: "rename", to: "data" }));
  await fx.write((tx) => changeInterface(tx, "compute", "bond0", { op: "rename", to: "team0" }));
  expect((await fx.get("group", "compute")).interfaces.find((i) => i.name === "data")?.parent).toBe("team0");
});

test("a bond member takes no network: the address belongs on the bond", async () => {
  await using fx = await linked();
  await fx.write((tx) => link(tx, "bond0", { bond_mode: "balance-alb", bond_members: "eth1" }));
  const err = await fx.refused("INVALID_ARGUMENT", (tx) =>
    changeInterface(tx, "compute", "eth1", { op: "setnet", network: "cluster" }),
  );
  expect(err.message).toBe("Interface 'eth1' is a member of bond 'bond0' and carries no address of its own");
  expect(err.hint).toBe("Put the network on 'bond0'");
});
