/**
 * `luna switch poll` (read a switch's forwarding table over SNMP now, store it, print it) and
 * the learned-MAC table that `switch show` prints: port, port name, MAC, VLAN, age, and the
 * node configured on that port.
 */

import { cabledTo } from "../../domain/boot/discovery-switch.ts";
import { mustGet, parseInteger } from "../../domain/common.ts";
import { AppError } from "../../domain/errors.ts";
import type { SwitchMac } from "../../domain/model.ts";
import type { StoreReader } from "../../domain/store.ts";
import { storeFdb } from "../../snmp/poller.ts";
import { pollSwitch } from "../../snmp/session.ts";
import { nameArgs, nameOf } from "../args.ts";
import type { CliContext } from "../context.ts";
import { age, table } from "../render.ts";
import { jsonArg, verb } from "../verb.ts";

export interface LearnedRow {
  port: string;
  portname: string | null;
  mac: string;
  vlan: number;
  seen: string;
  /** the node configured on this (switch, port), if any */
  node: string | null;
}

const byPort = (a: SwitchMac, b: SwitchMac) =>
  Number(a.port) - Number(b.port) || a.port.localeCompare(b.port) || a.mac.localeCompare(b.mac);

/** What the poller learned from one switch, in port order. */
export async function learned(tx: StoreReader, switchId: string): Promise<LearnedRow[]> {
  const nodes = (await tx.list("node")).filter((n) => n.switch === switchId);
  return (await tx.list("switchmac"))
    .filter((m) => m.switch === switchId)
    .sort(byPort)
    .map((m) => ({
      port: m.port,
      portname: m.portname ?? null,
      mac: m.mac,
      vlan: m.vlan,
      seen: m.seen,
      node: nodes.find((n) => cabledTo(n, m))?.name ?? null,
    }));
}

export const learnedTable = (rows: LearnedRow[], now: Date): string =>
  table(
    ["Port", "Portname", "MAC", "VLAN", "Age", "Node"],
    rows.map((r) => [r.port, r.portname ?? "-", r.mac, String(r.vlan), age(r.seen, now), r.node ?? "-"]),
  );

const int = (text: string | undefined, flag: string, min: number, max: number) =>
  text === undefined ? undefined : parseInteger(flag, text, min, max);

/** Seconds, fractions allowed (`--timeout 0.5`). */
function seconds(text: string | undefined, flag: string, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text.trim());
  if (text.trim() === "" || !Number.isFinite(n) || n <= 0 || n > max)
    throw new AppError(
      "INVALID_ARGUMENT",
      `Invalid value '${text}' for --${flag}`,
      `Use seconds in (0, ${max}]`,
    );
  return n;
}

export const createSwitchPollVerb = (ctx: CliContext) => () =>
  verb({
    noun: "switch",
    name: "poll",
    description: "read a switch's forwarding table over SNMP now, store what it learned and print it",
    args: {
      ...nameArgs("switch"),
      ...jsonArg,
      timeout: { type: "string", description: "seconds to wait for each answer (config snmp.timeout, 2)" },
      retries: { type: "string", description: "retries of an unanswered request (config snmp.retries, 1)" },
      max_macs: {
        type: "string",
        description: "ports with more MACs are uplinks, ignored (config snmp.max_macs_per_port, 4)",
      },
      snmp_port: { type: "string", description: "UDP port of the switch's agent (default 161; for labs)" },
    },
    async run(a) {
      const c = ctx.config.snmp;
      // Every flag is checked before the switch is asked anything.
      const port = int(a.snmp_port, "snmp_port", 1, 65535);
      const timeoutMs = Math.round((seconds(a.timeout, "timeout", 60) ?? c.timeout) * 1000);
      const retries = int(a.retries, "retries", 0, 10) ?? c.retries;
      const maxMacsPerPort = int(a.max_macs, "max_macs", 1, 100_000) ?? c.max_macs_per_port;
      const store = await ctx.store();
      const sw = await mustGet(store, "switch", nameOf("switch", a));
      const polled = await pollSwitch(sw, { port, timeoutMs, retries });
      const now = ctx.now();
      const r = await storeFdb(store, sw, polled.entries, {
        maxMacsPerPort,
        now,
        keepMs: c.keep_intervals * c.interval * 1000,
      });
      const rows = await learned(store, sw.id);
      if (a.json)
        return ctx.json({
          switch: sw.name,
          polled: now.toISOString(),
          learned: rows,
          uplinks: r.uplinks,
          skipped: polled.skipped,
          errors: polled.errors,
        });
      ctx.out(rows.length > 0 ? learnedTable(rows, now) : `No MACs learned from switch '${sw.name}'`);
      if (r.uplinks.length > 0) ctx.out(`Uplink ports (ignored for discovery): ${r.uplinks.join(", ")}`);
      if (polled.skipped > 0) {
        const first = polled.errors[0];
        process.stderr.write(
          `luna: warning: ${polled.skipped} malformed FDB rows skipped (first: ${first?.oid}: ${first?.reason})\n`,
        );
      }
    },
  });
