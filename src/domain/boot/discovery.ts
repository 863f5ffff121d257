/**
 * Finding the node that is asking to boot (step=discovery): (a) a MAC already bound to a node,
 * (b) the operator picked a name in the iPXE menu, (c) a MAC the switch poller saw on the
 * (switch, port) configured for a node. Discovery never takes anything away from a node: a MAC
 * bound to one node is never re-bound to another, and (b) and (c) bind only a node that has no
 * MAC yet (unless the cluster's discovery_by_name is `open`). Everything else is recorded as
 * unknown hardware (capped, expiring) for the operator to adopt (`luna node unknown --adopt`).
 */
import { mustGet } from "../common.ts";
import type { Cluster, Node, UnknownNode } from "../model.ts";
import { setMac } from "../node.ts";
import { withStatus } from "../status.ts";
import { newId, type StoreReader, type StoreWriter } from "../store.ts";
import { learnedFor } from "./discovery-switch.ts";
import type { HwData } from "./hwdata.ts";

/** Finds the node cabled to the switch port where one of `macs` was seen (uplinks excluded). */
export type SwitchMatcher = (
  tx: StoreReader,
  macs: string[],
) => Promise<{ node: Node; mac: string; switch: string; port: string } | undefined>;

export interface DiscoverInput {
  hw: HwData;
  node?: string;
  remoteIp: string;
  now: string;
  bySwitch?: SwitchMatcher;
  /** the cluster's discovery_by_name */
  byName: Cluster["discovery_by_name"];
}

export type DiscoverResult =
  | { found: true; node: Node; how: "name" | "mac" | "switch" }
  | { found: false; unknown: UnknownNode | null; why: string };

/** Unknown hardware kept at most, and for how long after it last asked. */
export const UNKNOWN_MAX = 1000;
export const UNKNOWN_TTL_MS = 7 * 86400_000;

/** The node as it is once it asked to boot: the address it asked from, and `boot.request`. */
export function bootRequested(node: Node, remoteIp: string, now: string): Node {
  return withStatus({ ...node, bootip: remoteIp || node.bootip }, "boot.request", now);
}

async function finish(
  tx: StoreWriter,
  node: Node,
  input: DiscoverInput,
  how: "name" | "mac" | "switch",
): Promise<DiscoverResult> {
  const updated = bootRequested(node, input.remoteIp, input.now);
  await tx.update("node", updated);
  return { found: true, node: updated, how };
}

/** The node one of `macs` is bound to, if any (the common case: a read, nothing to bind). */
export async function nodeByMac(tx: StoreReader, macs: string[]): Promise<Node | undefined> {
  for (const mac of macs) {
    const binding = await tx.byName("mac", mac);
    const node = binding ? await tx.get("node", binding.node) : undefined;
    if (node) return node;
  }
  return undefined;
}

/** Why choosing `node` by name may not bind `mac` to it (undefined: it may). */
function refuseByName(node: Node, mac: string, policy: Cluster["discovery_by_name"]): string | undefined {
  if (node.mac === mac) return undefined;
  if (policy === "off")
    return `asked for ${node.name}: choosing a node by name is off (discovery_by_name=off)`;
  if (node.mac && policy !== "open") return `asked for ${node.name}, which is bound to another MAC`;
  return undefined;
}

export async function discover(tx: StoreWriter, input: DiscoverInput): Promise<DiscoverResult> {
  const { macs } = input.hw;
  const bound = await nodeByMac(tx, macs);
  if (input.node !== undefined) {
    const node = await mustGet(tx, "node", input.node);
    if (bound && bound.id !== node.id) {
      const why = `asked for ${node.name}, but its MAC is bound to ${bound.name}`;
      return { found: false, unknown: await recordUnknown(tx, input, why), why };
    }
    const mac = macs[0] as string;
    const why = bound ? undefined : refuseByName(node, mac, input.byName);
    if (why) return { found: false, unknown: await recordUnknown(tx, input, why), why };
    return finish(tx, bound ? node : await setMac(tx, node, mac), input, "name");
  }
  if (bound) return finish(tx, bound, input, "mac");
  const seen = input.bySwitch ? await input.bySwitch(tx, macs) : undefined;
  if (seen && !seen.node.mac) return finish(tx, await setMac(tx, seen.node, seen.mac), input, "switch");
  const why = seen
    ? `seen on the switch port of ${seen.node.name}, which is bound to another MAC`
    : "no node has this MAC";
  return { found: false, unknown: await recordUnknown(tx, input, why), why };
}

/**
 * Records (or refreshes) unknown hardware. New entries beyond UNKNOWN_MAX are not stored
 * (returns null) once entries older than UNKNOWN_TTL_MS are dropped, so a flood of made-up
 * MACs cannot grow the store.
 */
async function recordUnknown(
  tx: StoreWriter,
  input: DiscoverInput,
  why: string,
): Promise<UnknownNode | null> {
  const key = input.hw.macs[0] as string;
  const old = await tx.byName("unknown", key);
  if (!old) {
    const all = await tx.list("unknown");
    if (all.length >= UNKNOWN_MAX) {
      const horizon = Date.parse(input.now) - UNKNOWN_TTL_MS;
      const expired = all.filter((u) => Date.parse(u.last) < horizon);
      for (const u of expired) await tx.remove("unknown", u.id);
      if (all.length - expired.length >= UNKNOWN_MAX) return null;
    }
  }
  // Where the switch poller saw this hardware, so the admin knows which node it is cabled as.
  const seen = (await learnedFor(tx, input.hw.macs))[0];
  const doc: UnknownNode = {
    id: old?.id ?? newId(),
    name: key,
    macs: input.hw.macs,
    serial: input.hw.serial,
    switch: seen?.switch ?? old?.switch ?? null,
    port: seen?.port ?? old?.port ?? "",
    ip: input.remoteIp,
    first: old?.first ?? input.now,
    last: input.now,
    count: (old?.count ?? 0) + 1,
    ...(input.node !== undefined ? { asked: why } : {}),
  };
  if (old) await tx.update("unknown", doc);
  else await tx.insert("unknown", doc);
  return doc;
}
