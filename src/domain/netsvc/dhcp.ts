/**
 * The DHCP side of the cluster: the dynamic range handed to hardware that is not known yet
 * (stored on the cluster, reserved as a block in its network's free list so no node, switch or
 * device is ever given an address inside it), the fixed leases for known MACs, and the plain
 * object the dhcpd and dnsmasq renderers take.
 */

import { bootStepUrl, endpointOf, ipxeFolderUrl } from "../boot/urls.ts";
import { AppError } from "../errors.ts";
import type { Cluster, Network } from "../model.ts";
import { canonicalIp, cidrText, contains, netmask, networkAddress, parseIp } from "../net/ip.ts";
import { cidrOf, holdersIn, releaseRange, reserveRange } from "../network.ts";
import type { StoreWriter } from "../store.ts";
import { addressOn, type ClusterSnapshot, loadSnapshot } from "./netdata.ts";

export interface DhcpRangeRequest {
  network?: string;
  start?: string;
  end?: string;
}

export interface DhcpRangePlan {
  cluster: Cluster;
  /** networks whose free list changed (the old range's and the new one's) */
  networks: Network[];
}

const bad = (message: string, hint?: string) => new AppError("INVALID_ARGUMENT", message, hint);
const USAGE = "luna cluster makedhcp -N NETWORK -s START_IP -e END_IP";

/**
 * Moves the DHCP range: the old range goes back to its network's pool first, so a new range
 * may overlap the old one, then the whole new range is taken. Pure: on any failure nothing is
 * returned, and the caller's transaction leaves the stored range (and free lists) as they were.
 */
export function planDhcpRange(s: ClusterSnapshot, req: DhcpRangeRequest): DhcpRangePlan {
  const { cluster } = s;
  // Without --network a new range stays on the network of the stored one.
  const name = req.network ?? s.networks.find((n) => n.id === cluster.dhcp_net)?.name;
  if (name === undefined) throw bad("Which network? Give it with --network", `Give all three: ${USAGE}`);
  if (req.start === undefined || req.end === undefined) {
    throw bad("The range needs both --start_ip and --end_ip", `Give all three: ${USAGE}`);
  }
  const net = s.networks.find((n) => n.name === name);
  if (!net) throw new AppError("NOT_FOUND", `No network named '${name}'`, "See 'luna network list'");
  const cidr = cidrOf(net);
  if (net.version !== 4) {
    throw new AppError(
      "INVALID_NETWORK",
      `Network '${net.name}' is IPv6: the DHCP range is IPv4`,
      "Nodes discover over IPv4; IPv6 networks get fixed leases and router advertisements in --format dnsmasq",
    );
  }
  if (!cluster.frontend_address) {
    throw bad("The frontend address is not set", "luna cluster change --frontend_address IP");
  }
  if (!contains(cidr, cluster.frontend_address)) {
    throw new AppError(
      "IP_OUT_OF_NETWORK",
      `The frontend address ${cluster.frontend_address} is not in network '${net.name}' (${cidrText(cidr)})`,
      "DHCP is served on the network the head node boots nodes from",
    );
  }
  const start = canonicalIp(req.start);
  const end = canonicalIp(req.end);
  for (const [what, ip] of [
    ["start", start],
    ["end", end],
  ] as const) {
    if (!contains(cidr, ip)) {
      throw new AppError(
        "IP_OUT_OF_NETWORK",
        `Range ${what} ${ip} is not a host address of network '${net.name}' (${cidrText(cidr)})`,
      );
    }
  }
  if (parseIp(end).value < parseIp(start).value) {
    throw bad(`Range end ${end} lies before its start ${start}`);
  }
  const changed = new Map<string, Network>();
  const old = s.networks.find((n) => n.id === cluster.dhcp_net);
  if (old && cluster.dhcp_range_start && cluster.dhcp_range_end) {
    changed.set(old.id, releaseRange(old, cluster.dhcp_range_start, cluster.dhcp_range_end));
  }
  const base = changed.get(net.id) ?? net;
  try {
    changed.set(net.id, reserveRange(base, start, end));
  } catch (e) {
    throw e instanceof AppError && e.code === "IP_TAKEN" ? taken(s, net, start, end) : e;
  }
  return {
    cluster: { ...cluster, dhcp_net: net.id, dhcp_range_start: start, dhcp_range_end: end },
    networks: [...changed.values()],
  };
}

/** Stores a new range (planned again inside the transaction, on what is stored now). */
export async function setDhcpRange(tx: StoreWriter, req: DhcpRangeRequest): Promise<DhcpRangePlan> {
  const plan = planDhcpRange(await loadSnapshot(tx), req);
  for (const n of plan.networks) await tx.update("network", n);
  await tx.update("cluster", plan.cluster);
  return plan;
}

/** A refusal that names who holds addresses inside the requested range. */
function taken(s: ClusterSnapshot, net: Network, start: string, end: string): AppError {
  const lo = parseIp(start).value;
  const hi = parseIp(end).value;
  const inside = holdersIn(s, net).filter(
    (h) => h.holder !== "cluster/dhcp-range" && parseIp(h.ip).value >= lo && parseIp(h.ip).value <= hi,
  );
  const shown = inside.slice(0, 5).map((h) => `${h.holder} (${h.ip})`);
  if (inside.length > 5) shown.push(`and ${inside.length - 5} more`);
  return new AppError(
    "IP_TAKEN",
    `Range ${start}-${end} overlaps used addresses in network '${net.name}'${shown.length ? `: ${shown.join(", ")}` : ""}`,
    `Pick a range clear of them (see 'luna network show ${net.name} --reservedips')`,
  );
}

/** Applies a plan to a snapshot (for --dry-run, which must not store anything). */
export const withPlan = (s: ClusterSnapshot, plan: DhcpRangePlan): ClusterSnapshot => ({
  ...s,
  cluster: plan.cluster,
  networks: s.networks.map((n) => plan.networks.find((p) => p.id === n.id) ?? n),
});

export interface DhcpHost {
  name: string;
  mac: string;
  ip4: string;
  /** the host's address on an IPv6 network of the same link, for dnsmasq */
  ip6?: string;
}

export interface DhcpConfig {
  /** what iPXE is told to chain to */
  bootUrl: string;
  /** where UEFI HTTP boot fetches the iPXE builds (the daemon's /ipxe/ route), with the slash */
  ipxeFolderUrl: string;
  frontend: string;
  domain: string;
  leaseSeconds: number;
  subnet: { network: string; netmask: string; prefix: number; start: string; end: string };
  /** IPv6 networks on the boot interfaces of nodes booting from the DHCP network */
  subnets6: { name: string; network: string; prefix: number }[];
  hosts: DhcpHost[];
  /** whether the arm64 iPXE build is installed: without it arm64 firmware gets no boot file */
  arm64: boolean;
}

/**
 * Fixed leases: every node whose boot interface is on the DHCP network and has both a MAC and
 * an address there, then every device with a MAC and an address there. Only the boot
 * interface is used: the node's MAC belongs to it (the original took any non-BMC interface,
 * which paired the boot MAC with another NIC's address). A MAC or name seen twice keeps its
 * first entry and is reported.
 */
export function dhcpConfig(
  s: ClusterSnapshot,
  o: { arm64Ipxe?: boolean } = {},
): { config: DhcpConfig; warnings: string[] } {
  const { cluster } = s;
  const net = s.networks.find((n) => n.id === cluster.dhcp_net);
  if (!net || !cluster.dhcp_range_start || !cluster.dhcp_range_end) {
    throw bad("No DHCP range is set yet", `Set one once: ${USAGE}`);
  }
  const warnings: string[] = [];
  const hosts: DhcpHost[] = [];
  const seen = new Set<string>();
  const add = (h: DhcpHost) => {
    const dup = seen.has(h.mac) ? `MAC ${h.mac}` : seen.has(h.name) ? `name '${h.name}'` : "";
    if (dup) return warnings.push(`Skipping ${h.name}: ${dup} already has a lease`);
    seen.add(h.mac).add(h.name);
    hosts.push(h);
  };
  const v6 = new Map<string, Network>();
  const groups = new Map(s.groups.map((g) => [g.id, g]));
  for (const node of s.nodes) {
    const boot = groups.get(node.group)?.interfaces.find((i) => i.name === groups.get(node.group)?.boot_if);
    if (!boot || boot.network4 !== net.id) continue;
    const net6 = s.networks.find((n) => n.id === boot.network6);
    if (net6) v6.set(net6.id, net6);
    const ip4 = addressOn(node, boot.name, net);
    if (!node.mac || !ip4) continue;
    const ip6 = net6 ? addressOn(node, boot.name, net6) : undefined;
    add({ name: node.name, mac: node.mac, ip4, ...(ip6 ? { ip6 } : {}) });
  }
  for (const dev of s.otherdevs) {
    const ip4 = dev.connected[net.id];
    if (dev.mac && ip4) add({ name: dev.name, mac: dev.mac, ip4 });
  }
  if (!o.arm64Ipxe) warnings.push(...arm64Unbootable(s));
  const cidr = cidrOf(net);
  if (!cluster.frontend_address || !contains(cidr, cluster.frontend_address)) {
    warnings.push(`The frontend address '${cluster.frontend_address}' is not in network '${net.name}'`);
  }
  return {
    config: {
      bootUrl: bootStepUrl(endpointOf(cluster)),
      ipxeFolderUrl: ipxeFolderUrl(endpointOf(cluster)),
      frontend: cluster.frontend_address,
      domain: net.name,
      leaseSeconds: 28800,
      subnet: {
        network: networkAddress(cidr),
        netmask: netmask(cidr),
        prefix: cidr.prefix,
        start: cluster.dhcp_range_start,
        end: cluster.dhcp_range_end,
      },
      subnets6: [...v6.values()].map((n) => ({ name: n.name, network: n.network, prefix: n.prefix })),
      hosts,
      arm64: o.arm64Ipxe === true,
    },
    warnings,
  };
}

/** Groups whose image boots an arm64 kernel (recorded by pack) cannot boot without an arm64 iPXE. */
function arm64Unbootable(s: ClusterSnapshot): string[] {
  const arm64 = new Map(
    s.osimages
      .filter((i) => i.versions.find((v) => v.version === i.current)?.arch === "arm64")
      .map((i) => [i.id, i.name]),
  );
  return s.groups
    .filter((g) => arm64.has(g.osimage))
    .map(
      (g) =>
        `Group '${g.name}' boots the arm64 image '${arm64.get(g.osimage)}', but there is no arm64 iPXE: ` +
        "its nodes get no boot file (install one with 'luna self-install --ipxe-arm64 FILE')",
    );
}
