/**
 * Nodes whose network files the golden and tool tests render: `plain` is what groups had
 * before links (a boot NIC with jumbo frames, IPoIB, an IPv6-only NIC with an untranslatable
 * parameter); `links` has a bond of the boot NIC, VLANs on it (PARENT.ID and a free name), a
 * NIC that only carries a VLAN, IPoIB in connected mode and an IPoIB named so explicitly.
 */
import type { BootData, IfaceData } from "../../src/domain/boot/boot-data.ts";
import type { NetFile } from "../../src/domain/boot/netfiles.ts";

export type NetInput = Pick<BootData, "interfaces" | "mac" | "bootIf">;

const iface = (name: string, o: Partial<IfaceData> = {}): IfaceData => ({
  name,
  ip4: "",
  prefix4: 0,
  netmask4: "",
  ip6: "",
  prefix6: 0,
  params: "",
  link: { kind: "ethernet" },
  ...o,
});
const v4 = (ip: string) => ({ ip4: ip, prefix4: 16, netmask4: "255.255.0.0" });
const v6 = (ip: string) => ({ ip6: ip, prefix6: 64 });

const plainIfs = [
  iface("enp7s0", { ...v4("10.30.0.1"), params: "MTU=9000" }),
  iface("ib0", { ...v4("10.40.0.1"), params: 'MTU="2044"', link: { kind: "infiniband" } }),
  iface("eno2", { ...v6("fd00:30::1"), params: "MTU=9000\nETHTOOL_OPTS=x" }),
];

const linksIfs = [
  iface("BOOTIF"),
  iface("eth1"),
  iface("bond0", {
    ...v4("10.30.0.1"),
    ...v6("fd00:30::1"),
    params: "MTU=9000",
    link: { kind: "bond", mode: "802.3ad", members: ["BOOTIF", "eth1"] },
  }),
  iface("bond0.100", { ...v4("10.32.0.1"), link: { kind: "vlan", id: 100, parent: "bond0" } }),
  iface("storage", { ...v4("10.33.0.1"), link: { kind: "vlan", id: 200, parent: "bond0" } }),
  iface("eth2"),
  iface("eth2.300", { ...v4("10.34.0.1"), link: { kind: "vlan", id: 300, parent: "eth2" } }),
  iface("ib0", { ...v4("10.40.0.1"), params: "MTU=65520", link: { kind: "infiniband" } }),
  iface("opa0", { link: { kind: "infiniband" } }),
];

export const PLAIN: NetInput = {
  mac: "52:54:00:00:00:01",
  interfaces: plainIfs,
  bootIf: plainIfs[0] ?? null,
};
export const LINKS: NetInput = {
  mac: "52:54:00:00:00:01",
  interfaces: linksIfs,
  bootIf: linksIfs[0] ?? null,
};
export const SCENARIOS: Record<string, NetInput> = { plain: PLAIN, links: LINKS };

/** The files as one reviewable text: a header line per file, then its text. */
export const listing = (files: NetFile[]): string =>
  files.map((f) => `==> ${f.path} (${f.mode}) <==\n${f.text}`).join("\n");
