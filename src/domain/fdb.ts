/**
 * Switch forwarding tables (FDB) as SNMP returns them, and finding a node by the switch port
 * its MAC was seen on. Q-BRIDGE dot1qTpFdbPort rows are `<base>.<fdb id>.<6 MAC octets>`,
 * BRIDGE dot1dTpFdbPort rows `<base>.<6 MAC octets>`; the value is the bridge port
 * (RFC 4363, RFC 4188). Rows that fit neither are skipped and counted, never stored. Ports
 * that carry many MACs are uplinks (other switches behind them) and never identify a node.
 */
import type { Node, SwitchMac } from "./model.ts";
import type { StoreReader } from "./store.ts";

export interface FdbEntry {
  mac: string;
  port: string;
  vlan: number;
}

export interface FdbParse {
  entries: FdbEntry[];
  skipped: number;
}

const hex = (n: number) => n.toString(16).padStart(2, "0");

export function parseFdb(baseOid: string, rows: { oid: string; value: unknown }[]): FdbParse {
  const base = baseOid.replace(/^\./, "");
  const entries: FdbEntry[] = [];
  let skipped = 0;
  for (const row of rows) {
    const oid = row.oid.replace(/^\./, "");
    const rest = oid.startsWith(`${base}.`)
      ? oid
          .slice(base.length + 1)
          .split(".")
          .map(Number)
      : [];
    const port = typeof row.value === "number" ? row.value : Number.NaN;
    const octets = rest.slice(-6);
    const valid =
      (rest.length === 6 || rest.length === 7) &&
      octets.every((o) => Number.isInteger(o) && o >= 0 && o <= 255) &&
      Number.isInteger(port) &&
      port > 0 &&
      port < 65536;
    if (!valid) {
      skipped++;
      continue;
    }
    entries.push({
      mac: octets.map(hex).join(":"),
      port: String(port),
      vlan: rest.length === 7 ? (rest[0] as number) : 0,
    });
  }
  return { entries, skipped };
}

/** Entries on ports with at most `maxMacsPerPort` MACs; the rest sit behind uplinks. */
export function dropUplinks(
  entries: FdbEntry[],
  maxMacsPerPort: number,
): { kept: FdbEntry[]; uplinks: string[] } {
  const perPort = new Map<string, Set<string>>();
  for (const e of entries) perPort.set(e.port, (perPort.get(e.port) ?? new Set()).add(e.mac));
  const uplinks = [...perPort].filter(([, macs]) => macs.size > maxMacsPerPort).map(([p]) => p);
  return { kept: entries.filter((e) => !uplinks.includes(e.port)), uplinks };
}

export const switchMacName = (switchId: string, mac: string) => `${switchId}/${mac}`;

/** The node configured on the (switch, port) where one of `macs` was last seen. */
export async function findBySwitchPort(
  tx: StoreReader,
  macs: string[],
): Promise<{ node: Node; mac: string; switch: string; port: string } | undefined> {
  const switches = await tx.list("switch");
  const seen: SwitchMac[] = [];
  for (const mac of macs) {
    for (const sw of switches) {
      const entry = await tx.byName("switchmac", switchMacName(sw.id, mac));
      if (entry) seen.push(entry);
    }
  }
  if (seen.length === 0) return undefined;
  const nodes = await tx.list("node");
  for (const entry of seen) {
    const node = nodes.find((n) => n.switch === entry.switch && n.port === entry.port);
    if (node) return { node, mac: entry.mac, switch: entry.switch, port: entry.port };
  }
  return undefined;
}
