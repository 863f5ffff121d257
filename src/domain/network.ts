/**
 * Networks and their address pools. Each network keeps a free list of host offsets; anything
 * that holds an address (node interface, switch, otherdev, name server, the frontend, the DHCP
 * range) takes it from that list and gives it back on delete. Renumbering keeps offsets (every
 * host moves with the network); a prefix change keeps absolute addresses and is refused when
 * one would fall outside.
 */
import { checkName, mustGet, refuseIfUsed, requireCluster } from "./common.ts";
import { AppError } from "./errors.ts";
import { checkNsHostname } from "./input-rules.ts";
import type { Cluster, Group, Network, Node, OtherDev, Switch } from "./model.ts";
import * as fl from "./net/freelist.ts";
import {
  type Cidr,
  canonicalIp,
  contains,
  formatIp,
  ipAt,
  lastOffset,
  makeCidr,
  offsetOf,
} from "./net/ip.ts";
import { newId, type StoreReader, type StoreWriter } from "./store.ts";

export const cidrOf = (net: Network): Cidr => makeCidr(net.network, net.prefix);

/** Takes `ip` (or the lowest free address) from the network's pool; returns the new doc and the address. */
export function reserve(net: Network, ip?: string): { net: Network; ip: string } {
  const cidr = cidrOf(net);
  const list = fl.fromStored(net.freelist);
  if (ip === undefined) {
    const { offset, list: rest } = wrapPool(net, () => fl.takeLowest(list));
    return { net: { ...net, freelist: fl.toStored(rest) }, ip: ipAt(cidr, offset) };
  }
  const offset = offsetOf(cidr, ip);
  if (!fl.isFree(list, offset)) {
    throw new AppError(
      "IP_TAKEN",
      `Address ${canonicalIp(ip)} is already in use in network '${net.name}'`,
      `See 'luna network show ${net.name} --reservedips'`,
    );
  }
  return { net: { ...net, freelist: fl.toStored(fl.take(list, offset)) }, ip: ipAt(cidr, offset) };
}

function wrapPool<T>(net: Network, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof AppError && e.code === "IP_POOL_EXHAUSTED") {
      throw new AppError(
        "IP_POOL_EXHAUSTED",
        `No free addresses left in network '${net.name}'`,
        "Grow its prefix or release addresses",
      );
    }
    throw e;
  }
}

export function release(net: Network, ip: string): Network {
  const cidr = cidrOf(net);
  if (!contains(cidr, ip)) return net;
  const offset = offsetOf(cidr, ip);
  return { ...net, freelist: fl.toStored(fl.release(fl.fromStored(net.freelist), lastOffset(cidr), offset)) };
}

export function reserveRange(net: Network, start: string, end: string): Network {
  const cidr = cidrOf(net);
  const s = offsetOf(cidr, start);
  const e = offsetOf(cidr, end);
  if (e < s) throw new AppError("INVALID_ARGUMENT", `Range end ${end} lies before its start ${start}`);
  try {
    return { ...net, freelist: fl.toStored(fl.take(fl.fromStored(net.freelist), s, e)) };
  } catch {
    throw new AppError(
      "IP_TAKEN",
      `Some addresses in ${start}-${end} are already in use in network '${net.name}'`,
    );
  }
}

export function releaseRange(net: Network, start: string, end: string): Network {
  const cidr = cidrOf(net);
  return {
    ...net,
    freelist: fl.toStored(
      fl.release(fl.fromStored(net.freelist), lastOffset(cidr), offsetOf(cidr, start), offsetOf(cidr, end)),
    ),
  };
}

export function isReserved(net: Network, ip: string): boolean {
  const cidr = cidrOf(net);
  return contains(cidr, ip) && !fl.isFree(fl.fromStored(net.freelist), offsetOf(cidr, ip));
}

/** The network (of the given list) that contains `ip`, if any. */
export function networkContaining(nets: Network[], ip: string): Network | undefined {
  return nets.find((n) => contains(cidrOf(n), ip));
}

export interface NetworkAdd {
  name: string;
  network: string;
  prefix: string | number;
  ns_hostname?: string;
  ns_ip?: string;
  comment?: string;
}

export async function addNetwork(tx: StoreWriter, input: NetworkAdd): Promise<Network> {
  const cluster = await requireCluster(tx);
  checkName("network", input.name);
  const cidr = makeCidr(input.network, input.prefix);
  if (await tx.byName("network", input.name)) {
    throw new AppError("ALREADY_EXISTS", `A network named '${input.name}' already exists`);
  }
  for (const other of await tx.list("network")) {
    const o = cidrOf(other);
    if (o.version === cidr.version && overlaps(o, cidr)) {
      throw new AppError(
        "ALREADY_EXISTS",
        `Network ${formatIp(cidr.version, cidr.base)}/${cidr.prefix} overlaps network '${other.name}'`,
      );
    }
  }
  const last = lastOffset(cidr);
  let net: Network = {
    id: newId(),
    name: input.name,
    network: formatIp(cidr.version, cidr.base),
    prefix: cidr.prefix,
    version: cidr.version,
    freelist: fl.toStored(fl.createFreeList(last)),
    ns_hostname: checkNsHostname(input.ns_hostname ?? ""),
    ns_ip: "",
    include: "",
    rev_include: "",
    comment: input.comment ?? "",
  };
  const ns = reserve(net, input.ns_ip ?? ipAt(cidr, last));
  net = { ...ns.net, ns_ip: ns.ip };
  // The frontend's own address is never handed out.
  if (
    cluster.frontend_address &&
    contains(cidr, cluster.frontend_address) &&
    !isReserved(net, cluster.frontend_address)
  ) {
    net = reserve(net, cluster.frontend_address).net;
  }
  await tx.insert("network", net);
  return net;
}

function overlaps(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefix, b.prefix);
  const bits = a.version === 4 ? 32 : 128;
  const mask = ~((1n << BigInt(bits - p)) - 1n);
  return (a.base & mask) === (b.base & mask);
}

/** What `holdersIn` looks at: the documents that can hold an address. */
export interface HolderData {
  cluster: Cluster | undefined;
  groups: Group[];
  nodes: Node[];
  switches: Switch[];
  otherdevs: OtherDev[];
}

/** Every stored address inside the network, with who holds it. */
export async function holdersOf(tx: StoreReader, net: Network): Promise<{ ip: string; holder: string }[]> {
  return holdersIn(
    {
      cluster: await tx.byName("cluster", "general"),
      groups: await tx.list("group"),
      nodes: await tx.list("node"),
      switches: await tx.list("switch"),
      otherdevs: await tx.list("otherdev"),
    },
    net,
  );
}

export function holdersIn(d: HolderData, net: Network): { ip: string; holder: string }[] {
  const out: { ip: string; holder: string }[] = [];
  const cidr = cidrOf(net);
  const groups = new Map(d.groups.map((g) => [g.id, g]));
  for (const node of d.nodes) {
    const g = groups.get(node.group);
    for (const iface of g?.interfaces ?? []) {
      const ips = node.interfaces[iface.name];
      if (iface.network4 === net.id && ips?.ip4)
        out.push({ ip: ips.ip4, holder: `node/${node.name}:${iface.name}` });
      if (iface.network6 === net.id && ips?.ip6)
        out.push({ ip: ips.ip6, holder: `node/${node.name}:${iface.name}` });
    }
  }
  for (const s of d.switches) if (s.network === net.id) out.push({ ip: s.ip, holder: `switch/${s.name}` });
  for (const o of d.otherdevs) {
    const ip = o.connected[net.id];
    if (ip) out.push({ ip, holder: `otherdev/${o.name}` });
  }
  if (net.ns_ip)
    out.push({ ip: net.ns_ip, holder: `nameserver${net.ns_hostname ? `/${net.ns_hostname}` : ""}` });
  const cluster = d.cluster;
  if (cluster?.frontend_address && contains(cidr, cluster.frontend_address)) {
    out.push({ ip: cluster.frontend_address, holder: "frontend" });
  }
  // The DHCP range is reserved as a whole; its ends stand for it (a prefix change must keep both).
  if (cluster?.dhcp_net === net.id && cluster.dhcp_range_start && cluster.dhcp_range_end) {
    out.push({ ip: cluster.dhcp_range_start, holder: "cluster/dhcp-range" });
    out.push({ ip: cluster.dhcp_range_end, holder: "cluster/dhcp-range" });
  }
  return out;
}

export async function deleteNetwork(tx: StoreWriter, name: string): Promise<void> {
  const net = await mustGet(tx, "network", name);
  await refuseIfUsed(tx, "network", net.id, name);
  await tx.remove("network", net.id);
}
