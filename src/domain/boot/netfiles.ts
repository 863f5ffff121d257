/**
 * A node's network files, rendered here for each format an image may use (NetworkManager
 * keyfiles, systemd-networkd, Debian's /etc/network/interfaces, RHEL's ifcfg) and shipped in
 * the install script, which only picks the format and names the boot NIC. This module works
 * out, per interface, what every format needs (address or DHCP, MTU, the MAC that pins the
 * boot NIC, bond and VLAN relations); netfiles-formats.ts writes the text.
 * The group's parameters are ifcfg lines (as in luna 1.2): ifcfg files get them as they are,
 * the other formats get the MTU and IPoIB's connected mode translated and a note for the rest.
 */
import type { NetFormat } from "../model.ts";
import type { BootData, IfaceData } from "./boot-data.ts";
import { FORMATS } from "./netfiles-formats.ts";

export type NetFileFormat = Exclude<NetFormat, "none">;
export const NET_FILE_FORMATS: readonly NetFileFormat[] = ["nm", "networkd", "debian", "ifcfg"];

/**
 * A group interface named BOOTIF (the default, as in luna 1.2) is the NIC the node booted
 * from, found on the node by its MAC; files name it BOOTIF_MARK until the install script
 * puts the NIC's name in.
 */
export const BOOTIF = "BOOTIF";
export const BOOTIF_MARK = "@BOOTIF@";

export interface NetFile {
  /** absolute path in the installed system */
  path: string;
  /** NetworkManager ignores keyfiles that others may read */
  mode: "600" | "644";
  text: string;
}

export interface NetFiles {
  files: NetFile[];
  /** lines the install script logs (what could not be translated) */
  notes: string[];
}

/** One interface as every format needs it; names are as the files write them. */
export interface NetIface {
  name: string;
  data: IfaceData;
  /** the MAC that pins the boot NIC's configuration, or "" */
  mac: string;
  /** from the parameters' MTU= line, digits only, or "" */
  mtu: string;
  /** IPoIB in connected mode: asked for with CONNECTED_MODE=yes, or implied by an MTU above 4092 */
  connected: boolean;
  /** parameters other than MTU and CONNECTED_MODE (left to ifcfg) */
  otherParams: boolean;
  /** the bond it is a member of */
  master?: string;
  /** VLANs on it */
  vlans: string[];
  /** VLAN parent and bond members, as written */
  parent?: string;
  members: string[];
  /** how it gets its addresses: none of its own (a bond member), static, DHCP, or none (only carries VLANs) */
  ip: "member" | "static" | "dhcp" | "link";
}

export const nicName = (name: string): string => (name === BOOTIF ? BOOTIF_MARK : name);

/** The largest IPoIB MTU in datagram mode (4K InfiniBand MTU less the 4-byte IPoIB header). */
const DATAGRAM_MAX_MTU = 4092;

function readParams(params: string): { mtu: string; connected?: boolean; other: boolean } {
  let mtu = "";
  let connected: boolean | undefined;
  let other = false;
  for (const line of params.split("\n")) {
    const value = line.slice(line.indexOf("=") + 1).replace(/["']/g, "");
    if (line.startsWith("MTU=")) mtu = /^\d+$/.test(value) ? value : "";
    else if (line.startsWith("CONNECTED_MODE=")) connected = /^(yes|y|1|true)$/i.test(value);
    else if (line !== "") other = true;
  }
  return { mtu, connected, other };
}

export function netIfaces(d: Pick<BootData, "interfaces" | "mac" | "bootIf">): NetIface[] {
  const bondOf = (name: string) =>
    d.interfaces.find((i) => i.link.kind === "bond" && i.link.members.includes(name));
  return d.interfaces.map((data) => {
    const { link } = data;
    const p = readParams(data.params);
    const boot = data.name === d.bootIf?.name || data.name === BOOTIF;
    const vlans = d.interfaces
      .filter((i) => i.link.kind === "vlan" && i.link.parent === data.name)
      .map((i) => nicName(i.name));
    const master = bondOf(data.name);
    const infiniband = link.kind === "infiniband";
    return {
      name: nicName(data.name),
      data,
      // IPoIB's hardware address is 20 bytes, not an Ethernet MAC: never matched on.
      mac: boot && link.kind === "ethernet" ? d.mac : "",
      mtu: p.mtu,
      connected: infiniband && (p.connected ?? Number(p.mtu) > DATAGRAM_MAX_MTU),
      otherParams: p.other || (!infiniband && p.connected !== undefined),
      master: master ? nicName(master.name) : undefined,
      vlans,
      parent: link.kind === "vlan" ? nicName(link.parent) : undefined,
      members: link.kind === "bond" ? link.members.map(nicName) : [],
      ip: master ? "member" : data.ip4 || data.ip6 ? "static" : vlans.length > 0 ? "link" : "dhcp",
    };
  });
}

/** Every file of `fmt` for the node's interfaces, in the group's order. */
export function renderNetFiles(
  d: Pick<BootData, "interfaces" | "mac" | "bootIf">,
  fmt: NetFileFormat,
): NetFiles {
  const files: NetFile[] = [];
  const notes: string[] = [];
  for (const i of netIfaces(d)) {
    files.push(...FORMATS[fmt](i));
    if (fmt !== "ifcfg" && i.otherParams)
      notes.push(
        `${i.data.name}: parameters other than MTU are ifcfg lines and were not translated for ${fmt}`,
      );
    // systemd-networkd sets a mode only on IPoIB devices it creates itself (.netdev Kind=ipoib).
    if (fmt === "networkd" && i.connected)
      notes.push(
        `${i.data.name}: systemd-networkd cannot put IPoIB in connected mode; set it in a postscript`,
      );
  }
  return { files, notes };
}

/**
 * How to tell an image's format from its tree, first match wins; the pack (src/pack/netfmt.ts)
 * and the install script's fallback for older packs (install-body.sh, luna_netfmt) both follow
 * it. `link`: the name exists, even as a link whose target only resolves in the booted image.
 */
export const NETFMT_RULES: readonly {
  fmt: NetFileFormat;
  any: { path: string; is: "dir" | "file" | "link" }[];
}[] = [
  { fmt: "nm", any: [{ path: "etc/NetworkManager", is: "dir" }] },
  {
    fmt: "networkd",
    any: [
      { path: "etc/systemd/system/multi-user.target.wants/systemd-networkd.service", is: "link" },
      { path: "etc/systemd/system/dbus-org.freedesktop.network1.service", is: "link" },
      { path: "etc/systemd/system/sockets.target.wants/systemd-networkd.socket", is: "link" },
    ],
  },
  { fmt: "debian", any: [{ path: "etc/network/interfaces", is: "file" }] },
  { fmt: "ifcfg", any: [{ path: "etc/sysconfig/network-scripts", is: "dir" }] },
];
