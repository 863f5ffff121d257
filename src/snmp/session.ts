/**
 * Reading a switch over SNMP (v2c or v1, its read community): the FDB table under the switch's
 * `oid`, plus the port names, through net-snmp. Tables are read with `session.subtree`, which
 * stops at the end of the table; `walk` would run on into the rest of the MIB. Every read is
 * bounded: a timeout and retries per request, an OID that does not increase (a looping agent)
 * or too many rows end it with an error, and a deadline bounds the whole poll.
 */
import snmp from "net-snmp";
import type { FdbEntry } from "../domain/boot/discovery-switch.ts";
import { AppError } from "../domain/errors.ts";
import type { Switch } from "../domain/model.ts";
import {
  BASE_PORT_IFINDEX,
  compareOids,
  fdbColumn,
  IF_NAME,
  parseFdb,
  portNames,
  type RowError,
  trimOid,
  type Varbind,
} from "./fdb.ts";

export interface PollOptions {
  /** UDP port of the agent (161); tests and labs point it at a local agent */
  port?: number;
  /** per request, before a retry */
  timeoutMs?: number;
  retries?: number;
  /** the whole poll, all tables included */
  deadlineMs?: number;
  /** stop after this many rows of one table (a switch never has this many MACs) */
  maxRows?: number;
  /** also read dot1dBasePortIfIndex and ifName to name ports (default true) */
  portNames?: boolean;
  signal?: AbortSignal;
}

export interface PollResult {
  entries: FdbEntry[];
  /** malformed rows skipped */
  skipped: number;
  errors: RowError[];
}

interface Walk {
  session: ReturnType<typeof snmp.createSession>;
  maxRows: number;
}

/** One subtree walk; rejects (never throws synchronously) on any error. */
function subtree(w: Walk, base: string): Promise<Varbind[]> {
  const rows: Varbind[] = [];
  let last = "";
  let bad: Error | undefined;
  return new Promise((resolve, reject) => {
    const feed = (varbinds: { oid: string; value: unknown; type: number }[]) => {
      for (const vb of varbinds) {
        if (snmp.isVarbindError(vb)) continue;
        if (last && compareOids(vb.oid, last) <= 0) {
          bad = new Error(`the agent returned ${vb.oid} after ${last} (OID not increasing)`);
          return true;
        }
        if (rows.length >= w.maxRows) {
          bad = new Error(`more than ${w.maxRows} rows under ${base}`);
          return true;
        }
        last = vb.oid;
        rows.push({ oid: vb.oid, value: vb.value });
      }
      return false;
    };
    try {
      w.session.subtree(trimOid(base), 20, feed, (err: Error | null) => {
        if (err ?? bad) reject(err ?? bad);
        else resolve(rows);
      });
    } catch (e) {
      reject(e);
    }
  });
}

function failure(sw: Switch, port: number, e: unknown): AppError {
  const why = e instanceof Error ? e.message : String(e);
  return new AppError(
    "EXTERNAL_COMMAND",
    `SNMP poll of switch '${sw.name}' (${sw.ip.includes(":") ? `[${sw.ip}]` : sw.ip}:${port}) failed: ${why}`,
    `Check its address, read community and SNMP version (luna switch change ${sw.name})`,
  );
}

/** Reads one switch's forwarding table now. Resolves with the parsed table, rejects with an AppError. */
export async function pollSwitch(sw: Switch, o: PollOptions = {}): Promise<PollResult> {
  const port = o.port ?? 161;
  if (o.signal?.aborted) throw failure(sw, port, new Error("cancelled"));
  const session = snmp.createSession(sw.ip, sw.read, {
    port,
    version: sw.snmp_version === "1" ? snmp.Version1 : snmp.Version2c,
    timeout: o.timeoutMs ?? 2000,
    retries: o.retries ?? 1,
    transport: sw.ip.includes(":") ? "udp6" : "udp4",
    backwardsGetNexts: false,
  });
  const w: Walk = { session, maxRows: o.maxRows ?? 200_000 };
  const deadlineMs = o.deadlineMs ?? 60_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  // A malformed packet makes the session emit "error": without a listener that would throw.
  const stopped = new Promise<never>((_, reject) => {
    session.on("error", (e: Error) => reject(e));
    timer = setTimeout(() => reject(new Error(`not done within ${deadlineMs} ms`)), deadlineMs);
    onAbort = () => reject(new Error("cancelled"));
    o.signal?.addEventListener("abort", onAbort, { once: true });
  });
  const read = async (): Promise<PollResult> => {
    const column = fdbColumn(sw.oid);
    const fdb = parseFdb(column, await subtree(w, column));
    if (o.portNames === false || fdb.entries.length === 0) return fdb;
    // Port names are a nicety (a node's port may be given as `Gi1/0/1`): a switch without
    // these tables still yields its FDB.
    const names = await Promise.all([subtree(w, BASE_PORT_IFINDEX), subtree(w, IF_NAME)])
      .then(([p, n]) => portNames(p, n))
      .catch(() => new Map<string, string>());
    for (const e of fdb.entries) {
      const name = names.get(e.port);
      if (name) e.portname = name;
    }
    return fdb;
  };
  const reading = read();
  // Closing the session below cancels a read still under way; its rejection is not news.
  reading.catch(() => {});
  try {
    return await Promise.race([reading, stopped]);
  } catch (e) {
    throw failure(sw, port, e);
  } finally {
    clearTimeout(timer);
    if (onAbort) o.signal?.removeEventListener("abort", onAbort);
    stopped.catch(() => {});
    try {
      session.close();
    } catch {
      // already closed by the socket itself
    }
  }
}
