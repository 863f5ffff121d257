/**
 * Finding the node that is asking to boot (step=discovery): (a) the operator picked a name in
 * the iPXE menu, (b) a MAC already bound to a node, (c) a MAC the switch poller saw on the
 * (switch, port) configured for a node — then the MAC is bound to that node, taking it from
 * any node that had it. Unknown hardware is recorded for `luna node unknown`.
 */
import { mustGet } from "../common.ts";
import { learnedFor } from "../discovery-switch.ts";
import type { Node, UnknownNode } from "../model.ts";
import { setMac } from "../node.ts";
import { withStatus } from "../status.ts";
import { newId, type StoreReader, type StoreWriter } from "../store.ts";
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
}

export type DiscoverResult =
  | { found: true; node: Node; how: "name" | "mac" | "switch" }
  | { found: false; unknown: UnknownNode };

/** Binds `mac` to `node`, first taking it away from any other node. */
async function bind(tx: StoreWriter, node: Node, mac: string): Promise<Node> {
  const other = await tx.byName("mac", mac);
  if (other && other.node !== node.id) {
    const owner = await tx.get("node", other.node);
    if (owner) await tx.update("node", await setMac(tx, owner, ""));
    else await tx.remove("mac", other.id);
  }
  return setMac(tx, node, mac);
}

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

export async function discover(tx: StoreWriter, input: DiscoverInput): Promise<DiscoverResult> {
  const { macs } = input.hw;
  if (input.node !== undefined) {
    const node = await mustGet(tx, "node", input.node);
    return finish(tx, await bind(tx, node, macs[0] as string), input, "name");
  }
  const bound = await nodeByMac(tx, macs);
  if (bound) return finish(tx, bound, input, "mac");
  const seen = input.bySwitch ? await input.bySwitch(tx, macs) : undefined;
  if (seen) return finish(tx, await bind(tx, seen.node, seen.mac), input, "switch");
  return { found: false, unknown: await recordUnknown(tx, input) };
}

async function recordUnknown(tx: StoreWriter, input: DiscoverInput): Promise<UnknownNode> {
  const key = input.hw.macs[0] as string;
  const old = await tx.byName("unknown", key);
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
  };
  if (old) await tx.update("unknown", doc);
  else await tx.insert("unknown", doc);
  return doc;
}
