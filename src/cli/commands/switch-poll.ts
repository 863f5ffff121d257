/** `luna switch poll` (walk a switch's FDB now and store it) and the learned table `switch show` prints. */
import { mustGet, parseInteger } from "../../domain/common.ts";
import type { SwitchMac } from "../../domain/model.ts";
import type { StoreReader } from "../../domain/store.ts";
import { pollSwitch, storeFdb } from "../../snmp/poller.ts";
import { nameArgs, nameOf } from "../args.ts";
import type { CliContext } from "../context.ts";
import { age, table } from "../render.ts";
import { jsonArg, verb } from "../verb.ts";

export async function learned(tx: StoreReader, switchId: string) {
  const nodes = await tx.list("node");
  return (await tx.list("switchmac"))
    .filter((m) => m.switch === switchId)
    .sort((a, b) => Number(a.port) - Number(b.port) || a.mac.localeCompare(b.mac))
    .map((m: SwitchMac) => ({
      port: m.port,
      mac: m.mac,
      vlan: m.vlan,
      seen: m.seen,
      node: nodes.find((n) => n.switch === switchId && n.port === m.port)?.name ?? null,
    }));
}

export const learnedTable = (rows: Awaited<ReturnType<typeof learned>>, now: Date) =>
  table(
    ["Port", "MAC", "VLAN", "Seen", "Node on port"],
    rows.map((r) => [r.port, r.mac, String(r.vlan), `${age(r.seen, now)} ago`, r.node ?? "-"]),
  );

export const createSwitchPollVerb = (ctx: CliContext) => () =>
  verb({
    noun: "switch",
    name: "poll",
    description: "walk a switch's FDB table over SNMP now, store what it learned and print it",
    args: {
      ...nameArgs("switch"),
      ...jsonArg,
      port: { type: "string", description: "SNMP port of the switch (default 161)" },
      "snmp-version": { type: "string", description: "1 or 2c (default 2c)" },
      "max-macs": { type: "string", description: "ports with more MACs are uplinks and ignored (default 4)" },
    },
    async run(a) {
      const store = await ctx.store();
      const sw = await mustGet(store, "switch", nameOf("switch", a));
      const version = (a["snmp-version"] as string | undefined) ?? "2c";
      const r = await pollSwitch(sw, {
        port: a.port !== undefined ? parseInteger("port", a.port as string, 1, 65535) : 161,
        version: version === "1" ? "1" : "2c",
      });
      const maxMacs =
        a["max-macs"] !== undefined ? parseInteger("max-macs", a["max-macs"] as string, 1, 100000) : 4;
      const { uplinks } = await storeFdb(store, sw, r.entries, maxMacs, ctx.now().toISOString());
      const rows = await learned(store, sw.id);
      if (a.json) return ctx.json({ switch: sw.name, learned: rows, uplinks, skipped: r.skipped });
      ctx.out(learnedTable(rows, ctx.now()));
      if (uplinks.length > 0) ctx.out(`uplink ports (ignored for discovery): ${uplinks.join(", ")}`);
      if (r.skipped > 0) process.stderr.write(`luna: warning: ${r.skipped} malformed FDB rows skipped\n`);
    },
  });
