/**
 * DNS names: one forward zone per network, named after the network (so a node's FQDN is
 * `node001.cluster`, as the original had it), holding the nodes' interfaces on that network,
 * switches, other devices, the name server and the frontend. The renderers for bind and
 * /etc/hosts take the plain zones built here.
 */
import { BMC_IF } from "../group.ts";
import { isHostLabel } from "../input-rules.ts";
import type { Group, Network, Node } from "../model.ts";
import { contains } from "../net/ip.ts";
import { cidrOf } from "../network.ts";
import { addressOn, type ClusterSnapshot, ifacesOn, isHostName } from "./netdata.ts";

export interface DnsRecord {
  name: string;
  ip: string;
  /** the host's own short name lives here (its group's domain), for /etc/hosts aliases */
  primary: boolean;
}

export interface DnsZone {
  /** zone name = network name */
  name: string;
  version: 4 | 6;
  network: string;
  prefix: number;
  nsName: string;
  nsIp: string;
  records: DnsRecord[];
  include: string;
  revInclude: string;
}

/**
 * Host names of a node's interfaces on one network (§5.3 of the reference): the BMC is always
 * `<node>-bmc`; other interfaces get `-<ifname>` only when several share the network,
 * lower-cased unless that makes two of them equal.
 */
export function interfaceNames(g: Group, net: Network): Map<string, string> {
  const ifaces = ifacesOn(g, net);
  const plain = ifaces.filter((i) => i.name !== BMC_IF);
  const lower = plain.map((i) => i.name.toLowerCase());
  const clash = new Set(lower).size !== lower.length || lower.includes("bmc");
  const out = new Map<string, string>();
  for (const i of ifaces) {
    if (i.name === BMC_IF) out.set(i.name, "-bmc");
    else if (plain.length === 1) out.set(i.name, "");
    else out.set(i.name, `-${clash ? i.name : i.name.toLowerCase()}`);
  }
  return out;
}

export interface DnsOptions {
  /** the head node's short host name, used when a network has no ns_hostname */
  frontendName: string;
}

export function dnsZones(s: ClusterSnapshot, opts: DnsOptions): { zones: DnsZone[]; warnings: string[] } {
  const warnings: string[] = [];
  const zones: DnsZone[] = [];
  const groups = new Map(s.groups.map((g) => [g.id, g]));
  for (const net of s.networks) {
    if (!isHostName(net.name)) {
      warnings.push(`Skipping network '${net.name}': its name is not a valid DNS zone name`);
      continue;
    }
    // Checked when set; a value stored by an older version would break the whole zone file.
    if (net.ns_hostname && !isHostLabel(net.ns_hostname)) {
      warnings.push(
        `Skipping network '${net.name}': its ns_hostname '${net.ns_hostname}' is not a host name (fix: luna network change ${net.name} --ns_hostname NAME)`,
      );
      continue;
    }
    const records: DnsRecord[] = [];
    const taken = new Set<string>();
    const add = (name: string, ip: string, primary = false) => {
      if (!isHostName(name))
        return warnings.push(`Skipping '${name}' in '${net.name}': not a valid host name`);
      if (taken.has(name.toLowerCase())) {
        return warnings.push(`Duplicate name '${name}' in network '${net.name}'; the first one is kept`);
      }
      taken.add(name.toLowerCase());
      records.push({ name, ip, primary });
    };
    // Without an ns_hostname the name server is the head node itself where it has an
    // address in the network (what DHCP hands out), else the network's reserved ns_ip.
    const front = s.cluster.frontend_address;
    const frontIn = Boolean(front) && contains(cidrOf(net), front);
    const nsName = net.ns_hostname || opts.frontendName;
    const nsIp = !net.ns_hostname && frontIn ? front : net.ns_ip;
    if (nsIp) add(nsName, nsIp, true);
    if (frontIn && front !== nsIp) add(opts.frontendName, front, true);
    for (const node of s.nodes) nodeRecords(node, groups.get(node.group), net, add);
    for (const sw of s.switches) if (sw.network === net.id) add(sw.name, sw.ip, true);
    for (const dev of s.otherdevs) {
      const ip = dev.connected[net.id];
      if (ip) add(dev.name, ip, true);
    }
    zones.push({
      name: net.name,
      version: net.version,
      network: net.network,
      prefix: net.prefix,
      nsName,
      nsIp,
      records,
      include: net.include,
      revInclude: net.rev_include,
    });
  }
  return { zones, warnings };
}

function nodeRecords(
  node: Node,
  g: Group | undefined,
  net: Network,
  add: (name: string, ip: string, primary: boolean) => unknown,
): void {
  if (!g) return;
  for (const [iface, suffix] of interfaceNames(g, net)) {
    const ip = addressOn(node, iface, net);
    // The short name belongs to the group's domain network, where `hostname` points.
    if (ip) add(`${node.name}${suffix}`, ip, suffix === "-bmc" || g.domain === net.id || g.domain === null);
  }
}
