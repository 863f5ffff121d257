/**
 * What `show`, `list` and `--json` print for each kind: references resolved to names, booleans
 * as yes/no for people and true/false for scripts. Lookups are loaded once per command.
 */
import { publicCredential } from "../domain/boot/credential.ts";
import { bondOf, linkOf } from "../domain/iface-links.ts";
import type { Group, GroupInterface, Kind, Network, Node } from "../domain/model.ts";
import { cidrText, makeCidr } from "../domain/net/ip.ts";
import type { StoreReader } from "../domain/store.ts";
import { age, ref, yesNo } from "./render.ts";

export interface Lookup {
  names: Map<string, string>;
  networks: Map<string, Network>;
  groups: Map<string, Group>;
}

export async function loadLookup(tx: StoreReader, kinds: Kind[]): Promise<Lookup> {
  const names = new Map<string, string>();
  const networks = new Map<string, Network>();
  const groups = new Map<string, Group>();
  for (const kind of kinds) {
    for (const doc of await tx.list(kind)) {
      names.set(doc.id, doc.name);
      if (kind === "network") networks.set(doc.id, doc as Network);
      if (kind === "group") groups.set(doc.id, doc as Group);
    }
  }
  return { names, networks, groups };
}

export const nameIn = (l: Lookup, id: string | null): string | null =>
  id ? (l.names.get(id) ?? `<missing ${id}>`) : null;

export const netText = (n: Network): string => cidrText(makeCidr(n.network, n.prefix));

export function groupInterfaces(l: Lookup, g: Group): { text: string; json: Record<string, unknown>[] } {
  const width = Math.max(0, ...g.interfaces.map((i) => i.name.length)) + 3;
  const lines: string[] = [];
  for (const i of g.interfaces) {
    const nets = [i.network4, i.network6]
      .filter((x): x is string => Boolean(x))
      .map((id) => l.networks.get(id));
    const label = `[${i.name}]:`.padEnd(width);
    const link = linkText(g, i);
    if (nets.length === 0) lines.push(`${label}-${link}`);
    nets.forEach((n, k) => {
      const net = n ? `[${n.name}]:${netText(n)}` : "<missing>";
      lines.push(`${k === 0 ? label : " ".repeat(width)}${net}${k === 0 ? link : ""}`);
    });
  }
  return {
    text: lines.join("\n"),
    json: g.interfaces.map((i) => ({
      name: i.name,
      network4: nameIn(l, i.network4),
      network6: nameIn(l, i.network6),
      params: i.params,
      // Only what is set, so scripts reading older output see the same keys.
      ...(i.ipoib !== undefined ? { ipoib: i.ipoib } : {}),
      ...(i.vlan !== undefined ? { vlan: i.vlan, parent: i.parent } : {}),
      ...(i.bond_mode !== undefined ? { bond_mode: i.bond_mode, bond_members: i.bond_members ?? [] } : {}),
    })),
  };
}

/** ` (VLAN 100 on bond0)`, ` (bond 802.3ad of eth0,eth1)`, ` (in bond0)`, ` (IPoIB)` or nothing. */
function linkText(g: Group, i: GroupInterface): string {
  const link = linkOf(i);
  const bond = bondOf(g, i.name);
  const notes = [
    link.kind === "vlan" && `VLAN ${link.id} on ${link.parent}`,
    link.kind === "bond" && `bond ${link.mode} of ${link.members.join(",")}`,
    link.kind === "infiniband" && "IPoIB",
    bond && `in ${bond.name}`,
  ].filter(Boolean);
  return notes.length > 0 ? ` (${notes.join(", ")})` : "";
}

export function nodeIps(node: Node, group: Group | undefined): string {
  const names = group?.interfaces.map((i) => i.name) ?? Object.keys(node.interfaces);
  const width = Math.max(0, ...names.map((n) => n.length)) + 1;
  const lines: string[] = [];
  for (const name of names) {
    const ips = node.interfaces[name];
    for (const ip of [ips?.ip4, ips?.ip6]) if (ip) lines.push(`${`${name}:`.padEnd(width)}${ip}`);
  }
  return lines.join("\n");
}

export function nodeStatus(node: Node, now: Date): string {
  return node.status ? `${node.status.step} (${age(node.status.time, now)} ago)` : "-";
}

/** The node's boot credential in one line: to which address, until when, re-issues. */
function credentialText(node: Node, now: Date): string {
  const c = node.credential;
  if (!c) return "-";
  const left = age(now.toISOString(), new Date(c.expires));
  const state = Date.parse(c.expires) <= now.getTime() ? "expired" : `valid for ${left}`;
  const again = c.reissued > 0 ? `, re-issued ${c.reissued}x (before: ${c.previous_ip ?? "?"})` : "";
  return `for ${c.ip}, ${state}${c.installed ? ", installed" : ""}${again}`;
}

export function nodeView(l: Lookup, node: Node, now: Date) {
  const group = l.groups.get(node.group);
  return {
    text: {
      name: node.name,
      group: ref(nameIn(l, node.group)),
      interfaces: nodeIps(node, group),
      localboot: yesNo(node.localboot),
      mac: node.mac ?? "-",
      port: node.port || "-",
      service: yesNo(node.service),
      setupbmc: yesNo(node.setupbmc),
      status: nodeStatus(node, now),
      switch: ref(nameIn(l, node.switch)),
      bootip: node.bootip ?? "-",
      credential: credentialText(node, now),
      comment: node.comment,
    },
    json: {
      name: node.name,
      group: nameIn(l, node.group),
      mac: node.mac,
      switch: nameIn(l, node.switch),
      port: node.port,
      localboot: node.localboot,
      service: node.service,
      setupbmc: node.setupbmc,
      interfaces: node.interfaces,
      status: node.status,
      bootip: node.bootip ?? null,
      credential: publicCredential(node) ?? null,
      comment: node.comment,
    },
  };
}
