/**
 * Changing a network in place: renumbering, prefix changes, manual reservations, the name
 * server and the zone includes. Every change re-checks the addresses already handed out and
 * is refused, with the holders named, when one would become invalid.
 */
import { mustGet, requireCluster } from "./common.ts";
import { AppError } from "./errors.ts";
import { checkNsHostname } from "./input-rules.ts";
import type { Network } from "./model.ts";
import * as fl from "./net/freelist.ts";
import {
  type Cidr,
  canonicalIp,
  cidrText,
  contains,
  formatIp,
  ipAt,
  lastOffset,
  makeCidr,
  offsetOf,
} from "./net/ip.ts";
import { cidrOf, holdersOf, isReserved, release, reserve } from "./network.ts";
import type { StoreWriter } from "./store.ts";

export interface NetworkChange {
  network?: string;
  prefix?: string;
  reserve?: string;
  release?: string;
  ns_hostname?: string;
  ns_ip?: string;
  include?: string;
  rev_include?: string;
  comment?: string;
}

export async function changeNetwork(tx: StoreWriter, name: string, change: NetworkChange): Promise<Network> {
  const before = await mustGet(tx, "network", name);
  let net = before;
  if (change.prefix !== undefined) net = await changePrefix(tx, net, change.prefix);
  if (change.network !== undefined) net = await renumber(tx, net, change.network);
  if (net !== before) net = await claimFrontend(tx, before, net);
  if (change.reserve !== undefined) net = reserve(net, change.reserve).net;
  if (change.release !== undefined) {
    const ip = canonicalIp(change.release);
    offsetOf(cidrOf(net), ip);
    const holder = (await holdersOf(tx, net)).find((h) => canonicalIp(h.ip) === ip);
    if (holder) {
      throw new AppError(
        "OBJECT_IN_USE",
        `Address ${ip} is held by ${holder.holder}`,
        "Change that object instead",
      );
    }
    if (!isReserved(net, ip)) {
      throw new AppError(
        "INVALID_ARGUMENT",
        `Address ${ip} is not reserved in network '${net.name}', so there is nothing to release`,
        `See 'luna network show ${net.name}' for the reserved addresses`,
      );
    }
    net = release(net, ip);
  }
  if (change.ns_ip !== undefined) {
    const old = net.ns_ip;
    net = old ? release(net, old) : net;
    const r = reserve(net, change.ns_ip);
    net = { ...r.net, ns_ip: r.ip };
  }
  if (change.ns_hostname !== undefined) net = { ...net, ns_hostname: checkNsHostname(change.ns_hostname) };
  if (change.include !== undefined) net = { ...net, include: change.include };
  if (change.rev_include !== undefined) net = { ...net, rev_include: change.rev_include };
  if (change.comment !== undefined) net = { ...net, comment: change.comment };
  await tx.update("network", net);
  return net;
}

/** Keeps absolute addresses; refused if any held address falls outside the new prefix. */
async function changePrefix(tx: StoreWriter, net: Network, prefixText: string): Promise<Network> {
  const old = cidrOf(net);
  const next = makeCidr(net.network, prefixText);
  await refuseOverlap(tx, net, next);
  const outside = (await holdersOf(tx, net)).filter((h) => !contains(next, h.ip));
  if (outside.length > 0) {
    throw new AppError(
      "IP_OUT_OF_NETWORK",
      `Prefix /${next.prefix} would leave ${outside.map((h) => `${h.holder} (${h.ip})`).join(", ")} outside ${cidrText(next)}`,
      "Move those addresses first",
    );
  }
  // Translate every used range (the gaps of the old free list) into the new network.
  const oldFree = fl.fromStored(net.freelist);
  const used: [bigint, bigint][] = [];
  let cursor = 1n;
  for (const [a, b] of oldFree) {
    if (a > cursor) used.push([cursor, a - 1n]);
    cursor = b + 1n;
  }
  if (cursor <= lastOffset(old)) used.push([cursor, lastOffset(old)]);
  let list = fl.createFreeList(lastOffset(next));
  for (const [a, b] of used) {
    const lo = old.base + a - next.base;
    const hi = old.base + b - next.base;
    // Unheld reservations (e.g. --reserve) that fall outside are dropped with the old range.
    const s = lo < 1n ? 1n : lo;
    const e = hi > lastOffset(next) ? lastOffset(next) : hi;
    if (s <= e) list = fl.take(list, s, e);
  }
  return {
    ...net,
    prefix: next.prefix,
    network: formatIp(next.version, next.base),
    freelist: fl.toStored(list),
  };
}

/** Moves the network and every host in it, keeping each host's offset. */
async function renumber(tx: StoreWriter, net: Network, address: string): Promise<Network> {
  const old = cidrOf(net);
  const next = makeCidr(address, net.prefix);
  if (next.version !== old.version) {
    throw new AppError(
      "INVALID_NETWORK",
      `Cannot renumber IPv${old.version} network '${net.name}' to IPv${next.version}`,
    );
  }
  if (next.base === old.base) return net;
  const cluster = await requireCluster(tx);
  if (cluster.frontend_address && contains(old, cluster.frontend_address)) {
    throw new AppError(
      "OBJECT_IN_USE",
      `The frontend address ${cluster.frontend_address} is in network '${net.name}'`,
      "Change it first with 'luna cluster change --frontend_address'",
    );
  }
  await refuseOverlap(tx, net, next);
  const move = (ip: string) => ipAt(next, offsetOf(old, ip));
  const groups = await tx.list("group");
  for (const node of await tx.list("node")) {
    const g = groups.find((x) => x.id === node.group);
    let changed = false;
    const interfaces = { ...node.interfaces };
    for (const iface of g?.interfaces ?? []) {
      const ips = interfaces[iface.name];
      if (!ips) continue;
      if (iface.network4 === net.id && ips.ip4) {
        interfaces[iface.name] = { ...ips, ip4: move(ips.ip4) };
        changed = true;
      }
      if (iface.network6 === net.id && ips.ip6) {
        interfaces[iface.name] = { ...(interfaces[iface.name] ?? {}), ip6: move(ips.ip6) };
        changed = true;
      }
    }
    if (changed) await tx.update("node", { ...node, interfaces });
  }
  for (const s of await tx.list("switch"))
    if (s.network === net.id) await tx.update("switch", { ...s, ip: move(s.ip) });
  for (const o of await tx.list("otherdev")) {
    const ip = o.connected[net.id];
    if (ip) await tx.update("otherdev", { ...o, connected: { ...o.connected, [net.id]: move(ip) } });
  }
  if (cluster.dhcp_net === net.id && cluster.dhcp_range_start && cluster.dhcp_range_end) {
    await tx.update("cluster", {
      ...cluster,
      dhcp_range_start: move(cluster.dhcp_range_start),
      dhcp_range_end: move(cluster.dhcp_range_end),
    });
  }
  return { ...net, network: formatIp(next.version, next.base), ns_ip: net.ns_ip ? move(net.ns_ip) : "" };
}

/** Two aligned networks overlap exactly when one contains the other's first host. */
async function refuseOverlap(tx: StoreWriter, net: Network, next: Cidr): Promise<void> {
  for (const other of await tx.list("network")) {
    const o = cidrOf(other);
    if (other.id === net.id || o.version !== next.version) continue;
    if (contains(o, ipAt(next, 1n)) || contains(next, ipAt(o, 1n))) {
      throw new AppError("ALREADY_EXISTS", `${cidrText(next)} overlaps network '${other.name}'`);
    }
  }
}

/**
 * A renumbered or widened network that now contains the frontend reserves its address, as
 * `network add` does; refused when a holder already sits there.
 */
async function claimFrontend(tx: StoreWriter, before: Network, net: Network): Promise<Network> {
  const frontend = (await tx.byName("cluster", "general"))?.frontend_address;
  if (!frontend || !contains(cidrOf(net), frontend) || contains(cidrOf(before), frontend)) return net;
  if (!isReserved(net, frontend)) return reserve(net, frontend).net;
  if (net.ns_ip === frontend) return net;
  const holder = (await holdersOf(tx, net)).find((h) => h.holder !== "frontend" && h.ip === frontend);
  throw new AppError(
    "IP_TAKEN",
    `The frontend address ${frontend} would fall on ${holder ? holder.holder : "a reserved address"} in network '${net.name}'`,
    "Move that address or the frontend first",
  );
}
