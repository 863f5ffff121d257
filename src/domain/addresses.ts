/**
 * Node addresses: which networks a node's interfaces are on (from its group) and the take /
 * give-back of those addresses in the networks' pools. Network documents are always re-read
 * inside the transaction before a change, so several allocations in one transaction compose.
 */
import { AppError } from "./errors.ts";
import type { Group, GroupInterface, Node } from "./model.ts";
import { release, reserve } from "./network.ts";
import type { StoreWriter } from "./store.ts";

export type Slot = "ip4" | "ip6";
const netOf = (iface: GroupInterface, slot: Slot) => (slot === "ip4" ? iface.network4 : iface.network6);

/** Gives back every address the node holds; returns the node with empty interfaces. */
export async function releaseAll(tx: StoreWriter, node: Node, group: Group): Promise<Node> {
  for (const iface of group.interfaces) await releaseIface(tx, node, iface);
  return { ...node, interfaces: {} };
}

export async function releaseIface(
  tx: StoreWriter,
  node: Node,
  iface: GroupInterface,
  only?: Slot,
): Promise<Node> {
  const ips = { ...(node.interfaces[iface.name] ?? {}) };
  for (const slot of ["ip4", "ip6"] as const) {
    if (only && slot !== only) continue;
    const netId = netOf(iface, slot);
    const ip = ips[slot];
    if (netId && ip) {
      const net = await tx.get("network", netId);
      if (net) await tx.update("network", release(net, ip));
    }
    delete ips[slot];
  }
  return { ...node, interfaces: { ...node.interfaces, [iface.name]: ips } };
}

/** Takes an address for one interface slot: `wanted`, or the lowest free one. */
export async function assign(
  tx: StoreWriter,
  node: Node,
  iface: GroupInterface,
  slot: Slot,
  wanted?: string,
): Promise<Node> {
  const netId = netOf(iface, slot);
  if (!netId) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `Interface '${iface.name}' of node '${node.name}' has no IPv${slot === "ip4" ? 4 : 6} network`,
      "Set one with 'luna group change GROUP --interface IF --setnet NET'",
    );
  }
  const net = await tx.get("network", netId);
  if (!net) throw new AppError("NOT_FOUND", `Dangling network reference on interface '${iface.name}'`);
  let r: ReturnType<typeof reserve>;
  try {
    r = reserve(net, wanted);
  } catch (e) {
    if (e instanceof AppError && wanted === undefined) {
      throw new AppError(
        e.code,
        `Cannot give node '${node.name}' an address on '${iface.name}': ${e.message}`,
        e.hint,
      );
    }
    throw e;
  }
  await tx.update("network", r.net);
  const ips = { ...(node.interfaces[iface.name] ?? {}), [slot]: r.ip };
  return { ...node, interfaces: { ...node.interfaces, [iface.name]: ips } };
}

/** Fills every interface slot that has a network but no address yet. */
export async function assignMissing(tx: StoreWriter, node: Node, group: Group): Promise<Node> {
  let next = node;
  for (const iface of group.interfaces) {
    for (const slot of ["ip4", "ip6"] as const) {
      if (netOf(iface, slot) && !next.interfaces[iface.name]?.[slot])
        next = await assign(tx, next, iface, slot);
    }
  }
  return next;
}

/**
 * Moves a node to another group: releases everything, then keeps an old address where the new
 * group has an interface of the same name on the same network, then one on the same network
 * under another name, then takes the lowest free address for the rest (the original's order).
 */
export async function regroup(tx: StoreWriter, node: Node, from: Group, to: Group): Promise<Node> {
  const old: { name: string; netId: string; slot: Slot; ip: string }[] = [];
  for (const iface of from.interfaces) {
    for (const slot of ["ip4", "ip6"] as const) {
      const netId = netOf(iface, slot);
      const ip = node.interfaces[iface.name]?.[slot];
      if (netId && ip) old.push({ name: iface.name, netId, slot, ip });
    }
  }
  let next = await releaseAll(tx, node, from);
  next = { ...next, group: to.id };
  const used = new Set<number>();
  const pick = (iface: GroupInterface, slot: Slot, sameName: boolean) =>
    old.findIndex(
      (o, i) =>
        !used.has(i) &&
        o.slot === slot &&
        o.netId === netOf(iface, slot) &&
        (!sameName || o.name === iface.name),
    );
  for (const sameName of [true, false]) {
    for (const iface of to.interfaces) {
      for (const slot of ["ip4", "ip6"] as const) {
        if (!netOf(iface, slot) || next.interfaces[iface.name]?.[slot]) continue;
        const i = pick(iface, slot, sameName);
        if (i >= 0) {
          used.add(i);
          next = await assign(tx, next, iface, slot, old[i]?.ip);
        }
      }
    }
  }
  return assignMissing(tx, next, to);
}
