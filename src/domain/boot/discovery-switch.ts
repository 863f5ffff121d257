/**
 * Switch-port discovery, the pure part: which ports of a switch are uplinks, how one poll's
 * forwarding table changes the learned MACs in the store, and which node is cabled to the
 * (switch, port) where a booting machine's MAC was seen.
 *
 * A port that carries more than `maxMacsPerPort` distinct MACs has other switches (or a
 * hypervisor) behind it: its MACs say nothing about where a node is cabled, so they are not
 * stored at all, and a MAC that moved behind an uplink loses its old entry. Learned MACs not
 * seen again are kept for a few poll intervals (switches age their own tables out in about
 * 300 s, and a node sitting in iPXE may be silent), then removed.
 */
import type { Node, SwitchMac } from "../model.ts";
import { newId, type StoreReader } from "../store.ts";

/** One row of a switch's forwarding table: a MAC seen on a bridge port, in a VLAN (0: none). */
export interface FdbEntry {
  mac: string;
  port: string;
  vlan: number;
  /** the port's ifName, when the switch reports one */
  portname?: string;
}

/** A learned MAC as findNodeBySwitchPort needs it (a stored SwitchMac fits). */
export interface SeenMac {
  switch: string;
  port: string;
  portname?: string;
  mac: string;
  seen: string;
  /** set by callers that pass raw entries: uplink entries never match */
  uplink?: boolean;
}

export interface SwitchPortMatch {
  node: Node;
  mac: string;
  switch: string;
  port: string;
}

export const DEFAULT_MAX_MACS_PER_PORT = 4;

export const switchMacName = (switchId: string, mac: string): string => `${switchId}/${mac}`;

/** Ports with more than `maxMacsPerPort` distinct MACs (the same MAC in two VLANs counts once). */
export function uplinkPorts(entries: readonly FdbEntry[], maxMacsPerPort: number): Set<string> {
  const perPort = new Map<string, Set<string>>();
  for (const e of entries) perPort.set(e.port, (perPort.get(e.port) ?? new Set()).add(e.mac));
  return new Set([...perPort].filter(([, macs]) => macs.size > maxMacsPerPort).map(([p]) => p));
}

export interface FdbUpdateInput {
  switchId: string;
  /** what is stored for this switch now */
  existing: readonly SwitchMac[];
  /** this poll's forwarding table */
  entries: readonly FdbEntry[];
  maxMacsPerPort: number;
  /** ISO time of this poll */
  now: string;
  /** ISO time: learned MACs last seen before it and absent from this poll are removed */
  expireBefore: string;
}

export interface FdbUpdate {
  /** documents to insert (no stored id yet) or update (id of the stored one) */
  upserts: SwitchMac[];
  /** ids of stored documents to remove */
  removals: string[];
  /** uplink ports of this poll, in port order */
  uplinks: string[];
}

const byPort = (a: string, b: string) => Number(a) - Number(b) || a.localeCompare(b);

/** How one poll changes the stored MACs of one switch. */
export function planFdbUpdate(input: FdbUpdateInput): FdbUpdate {
  const uplinks = uplinkPorts(input.entries, input.maxMacsPerPort);
  // One entry per MAC: a MAC on an access port wins over the same MAC behind an uplink.
  const access = new Map<string, FdbEntry>();
  const behindUplink = new Set<string>();
  for (const e of input.entries) {
    if (uplinks.has(e.port)) behindUplink.add(e.mac);
    else if (!access.has(e.mac)) access.set(e.mac, e);
  }
  const stored = new Map(input.existing.map((m) => [m.mac, m]));
  const upserts: SwitchMac[] = [];
  for (const [mac, e] of access) {
    const doc: SwitchMac = {
      id: stored.get(mac)?.id ?? newId(),
      name: switchMacName(input.switchId, mac),
      switch: input.switchId,
      port: e.port,
      mac,
      vlan: e.vlan,
      seen: input.now,
    };
    if (e.portname) doc.portname = e.portname;
    upserts.push(doc);
  }
  const removals = input.existing
    .filter(
      (m) =>
        !access.has(m.mac) && (behindUplink.has(m.mac) || uplinks.has(m.port) || m.seen < input.expireBefore),
    )
    .map((m) => m.id);
  return { upserts, removals, uplinks: [...uplinks].sort(byPort) };
}

/** Whether `node` is configured on the port where `e` was seen (its bridge port or ifName). */
export const cabledTo = (node: Node, e: Pick<SeenMac, "switch" | "port" | "portname">): boolean =>
  node.switch === e.switch &&
  node.port !== "" &&
  (node.port === e.port ||
    (e.portname !== undefined && node.port.toLowerCase() === e.portname.toLowerCase()));

/** Every (node, learned MAC) pair where one of `macs` was seen on the port configured for the node. */
export function switchPortCandidates(
  entries: readonly SeenMac[],
  nodes: readonly Node[],
  macs: readonly string[],
): { node: Node; entry: SeenMac }[] {
  const wanted = new Set(macs.map((m) => m.toLowerCase()));
  const out: { node: Node; entry: SeenMac }[] = [];
  for (const e of entries) {
    if (e.uplink || !wanted.has(e.mac.toLowerCase())) continue;
    for (const node of nodes) if (cabledTo(node, e)) out.push({ node, entry: e });
  }
  return out;
}

/**
 * The node cabled to the (switch, port) where one of `macs` (a booting machine's NICs) was
 * seen. When the MACs point at two different nodes the cabling or the configuration is wrong,
 * and guessing would install one node with another's identity: no match.
 */
export function findNodeBySwitchPort(
  entries: readonly SeenMac[],
  nodes: readonly Node[],
  macs: readonly string[],
): SwitchPortMatch | undefined {
  const candidates = switchPortCandidates(entries, nodes, macs);
  const first = candidates[0];
  if (!first || candidates.some((c) => c.node.id !== first.node.id)) return undefined;
  const latest = candidates.reduce((a, b) => (b.entry.seen > a.entry.seen ? b : a));
  return {
    node: latest.node,
    mac: latest.entry.mac.toLowerCase(),
    switch: latest.entry.switch,
    port: latest.entry.port,
  };
}

/** What the poller learned about `macs`, on every switch. */
export async function learnedFor(tx: StoreReader, macs: readonly string[]): Promise<SwitchMac[]> {
  const out: SwitchMac[] = [];
  const switches = await tx.list("switch");
  for (const mac of new Set(macs.map((m) => m.toLowerCase()))) {
    for (const sw of switches) {
      const entry = await tx.byName("switchmac", switchMacName(sw.id, mac));
      if (entry) out.push(entry);
    }
  }
  return out;
}

/** The SwitchMatcher discovery uses: learned MACs from the store, then findNodeBySwitchPort. */
export async function findBySwitchPort(
  tx: StoreReader,
  macs: string[],
): Promise<SwitchPortMatch | undefined> {
  const seen = await learnedFor(tx, macs);
  if (seen.length === 0) return undefined;
  return findNodeBySwitchPort(seen, await tx.list("node"), macs);
}
