/**
 * Switch forwarding tables (FDB) as SNMP returns them, parsed into (MAC, bridge port, VLAN).
 * Pure: the walk itself is in session.ts. Q-BRIDGE dot1qTpFdbPort rows are
 * `<base>.<fdb id>.<6 MAC octets>` (RFC 4363 §5, the fdb id is the VLAN on IVL switches),
 * BRIDGE dot1dTpFdbPort rows `<base>.<6 MAC octets>` (RFC 4188 §6, no VLAN: 0); the value is
 * the bridge port. Port names come from dot1dBasePortIfIndex (bridge port → ifIndex, RFC 4188)
 * and ifName (ifIndex → name, RFC 2863). A switch's reply is untrusted input: a row that fits
 * no shape is skipped and counted with its reason, never stored, never thrown.
 */
import type { FdbEntry } from "../domain/boot/discovery-switch.ts";

export const QBRIDGE_FDB_PORT = "1.3.6.1.2.1.17.7.1.2.2.1.2";
export const BRIDGE_FDB_PORT = "1.3.6.1.2.1.17.4.3.1.2";
export const BASE_PORT_IFINDEX = "1.3.6.1.2.1.17.1.4.1.2";
export const IF_NAME = "1.3.6.1.2.1.31.1.1.1.1";

/** One varbind as net-snmp hands it over: an OID without a leading dot and a decoded value. */
export interface Varbind {
  oid: string;
  value: unknown;
}

export interface RowError {
  oid: string;
  reason: string;
}

export interface FdbParse {
  entries: FdbEntry[];
  /** how many rows were skipped */
  skipped: number;
  /** the first few skipped rows and why, for a log line */
  errors: RowError[];
}

const KEEP_ERRORS = 10;
const hex = (n: number) => n.toString(16).padStart(2, "0");

/** `.1.3.6` and `1.3.6` are the same OID; sub-identifiers must be decimal integers. */
export const trimOid = (oid: string): string => oid.replace(/^\./, "");

/** The sub-identifiers of `oid` below `base`, or undefined when it is not under it or not numeric. */
export function indexUnder(base: string, oid: string): number[] | undefined {
  const b = trimOid(base);
  const o = trimOid(oid);
  if (!o.startsWith(`${b}.`)) return undefined;
  const parts = o.slice(b.length + 1).split(".");
  if (!parts.every((p) => /^\d{1,10}$/.test(p))) return undefined;
  return parts.map(Number);
}

/** Numeric OID order (RFC 3416 lexicographic order of sub-identifiers): <0, 0, >0. */
export function compareOids(a: string, b: string): number {
  const x = trimOid(a).split(".").map(Number);
  const y = trimOid(b).split(".").map(Number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] as number) - (y[i] as number);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** An INTEGER/Gauge32/Unsigned32 as net-snmp decodes it: a JS number. Anything else is not a port. */
const asInteger = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isInteger(v) ? v : undefined;

/**
 * The column to walk for a switch's `oid`: the original also accepted the whole Q-BRIDGE table
 * (`.1.3.6.1.2.1.17.7.1.2.2`) or its entry; walking those would read the status column's
 * values as ports, so they are narrowed to the port column. Other OIDs (vendor tables) as given.
 */
export function fdbColumn(oid: string): string {
  const o = trimOid(oid);
  for (const column of [QBRIDGE_FDB_PORT, BRIDGE_FDB_PORT]) if (column.startsWith(`${o}.`)) return column;
  return o;
}

/** How many index sub-identifiers a row has: 7 in Q-BRIDGE, 6 in BRIDGE, either in a vendor table. */
function indexLengths(base: string): number[] {
  const b = trimOid(base);
  return b === QBRIDGE_FDB_PORT ? [7] : b === BRIDGE_FDB_PORT ? [6] : [6, 7];
}

function parseRow(base: string, lengths: number[], vb: Varbind): FdbEntry | string {
  const index = indexUnder(base, vb.oid);
  if (!index) return "not a numeric OID under the FDB table";
  if (!lengths.includes(index.length))
    return `index has ${index.length} sub-identifiers, want ${lengths.join(" or ")}`;
  const octets = index.slice(-6);
  if (!octets.every((o) => o <= 255)) return "MAC octet above 255";
  const vlan = index.length === 7 ? (index[0] as number) : 0;
  if (vlan > 4294967295) return "FDB id out of range";
  const port = asInteger(vb.value);
  if (port === undefined)
    return `port is not an integer (${Buffer.isBuffer(vb.value) ? "octet string" : typeof vb.value})`;
  // Port 0 means "learned, but the port is not known" (RFC 4188 dot1dTpFdbPort): nothing to match.
  if (port < 1 || port > 65535) return `port ${port} out of range 1..65535`;
  return { mac: octets.map(hex).join(":"), port: String(port), vlan };
}

/** Rows of a dot1qTpFdbPort or dot1dTpFdbPort walk under `base` (the switch's `oid`). */
export function parseFdb(base: string, varbinds: readonly Varbind[]): FdbParse {
  const entries: FdbEntry[] = [];
  const errors: RowError[] = [];
  let skipped = 0;
  const lengths = indexLengths(base);
  for (const vb of varbinds) {
    const r = parseRow(base, lengths, vb);
    if (typeof r !== "string") {
      entries.push(r);
      continue;
    }
    skipped++;
    if (errors.length < KEEP_ERRORS) errors.push({ oid: String(vb.oid), reason: r });
  }
  return { entries, skipped, errors };
}

/** bridge port → ifName from dot1dBasePortIfIndex and ifName walks; odd rows are ignored. */
export function portNames(portIfIndex: readonly Varbind[], ifNames: readonly Varbind[]): Map<string, string> {
  const names = new Map<number, string>();
  for (const vb of ifNames) {
    const index = indexUnder(IF_NAME, vb.oid);
    const name = Buffer.isBuffer(vb.value) ? vb.value.toString("utf8") : vb.value;
    if (index?.length === 1 && typeof name === "string" && /^[\x21-\x7e][\x20-\x7e]{0,63}$/.test(name))
      names.set(index[0] as number, name.trim());
  }
  const out = new Map<string, string>();
  for (const vb of portIfIndex) {
    const index = indexUnder(BASE_PORT_IFINDEX, vb.oid);
    const ifIndex = asInteger(vb.value);
    const name = ifIndex === undefined ? undefined : names.get(ifIndex);
    if (index?.length === 1 && name) out.set(String(index[0]), name);
  }
  return out;
}
