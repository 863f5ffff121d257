/** `luna switch add|show|list|change|rename|delete` (hostlists accepted for bulk verbs). */
import type { ArgsDef } from "citty";
import { mustGet } from "../../domain/common.ts";
import { addSwitch, changeSwitch, deleteSwitch } from "../../domain/devices.ts";
import { expandHostlist } from "../../domain/net/hostlist.ts";
import { nameArgs, nameOf } from "../args.ts";
import type { CliContext } from "../context.ts";
import { ref, showTable, table } from "../render.ts";
import { commentArg, forEachName, jsonArg, nothingToChange, noun, pick, renameVerb, verb } from "../verb.ts";
import { loadLookup, nameIn } from "../views.ts";
import { createSwitchPollVerb, learned, learnedTable } from "./switch-poll.ts";

const N = "switch";
const fields = ["network", "ip", "read", "rw", "oid", "snmp_version", "comment"] as const;
const flagArgs = {
  network: {
    type: "string",
    alias: ["N"],
    description: "network of the switch (default: the one containing --ip)",
  },
  ip: { type: "string", alias: ["i"], description: "management address of the switch" },
  read: { type: "string", alias: ["r"], description: "SNMP read community (default public)" },
  rw: { type: "string", alias: ["w"], description: "SNMP write community (default private)" },
  oid: {
    type: "string",
    alias: ["o"],
    description:
      "FDB table OID (default Q-BRIDGE .1.3.6.1.2.1.17.7.1.2.2.1.2, BRIDGE .1.3.6.1.2.1.17.4.3.1.2)",
  },
  snmp_version: {
    type: "string",
    description: "SNMP version the switch is polled with: 1 or 2c (default 2c)",
  },
  ...commentArg,
} satisfies ArgsDef;

export function createSwitchCommand(ctx: CliContext) {
  return noun(N, "Ethernet switches polled over SNMP to find nodes by port", {
    add: () =>
      verb({
        noun: N,
        name: "add",
        description: "add a switch (its address is reserved in its network)",
        args: { ...nameArgs(N), ...flagArgs },
        async run(a) {
          await forEachName(ctx, expandHostlist(nameOf(N, a)), (tx, name) =>
            addSwitch(tx, name, pick(a, fields)),
          );
        },
      }),
    list: () =>
      verb({
        noun: N,
        name: "list",
        description: "list switches",
        args: { ...jsonArg },
        async run(a) {
          const store = await ctx.store();
          const l = await loadLookup(store, ["network"]);
          const all = await store.list(N);
          if (a.json)
            return ctx.json(all.map(({ id: _id, ...s }) => ({ ...s, network: nameIn(l, s.network) })));
          ctx.out(
            table(
              ["Name", "IP", "Network"],
              all.map((s) => [s.name, s.ip, ref(nameIn(l, s.network))]),
            ),
          );
        },
      }),
    show: () =>
      verb({
        noun: N,
        name: "show",
        description: "show switches and the MACs learned on their ports",
        args: { ...nameArgs(N), ...jsonArg },
        async run(a) {
          const store = await ctx.store();
          const l = await loadLookup(store, ["network"]);
          const out = [];
          for (const name of expandHostlist(nameOf(N, a))) {
            const sw = await mustGet(store, N, name);
            const { id, ...s } = sw;
            out.push({ ...s, network: nameIn(l, s.network), learned: await learned(store, id) });
          }
          if (a.json) return ctx.json(out.length === 1 ? out[0] : out);
          for (const { learned: rows, ...s } of out) {
            ctx.out(showTable({ ...s, network: ref(s.network) }));
            ctx.out(
              rows.length > 0
                ? learnedTable(rows, ctx.now())
                : `No MACs learned from switch '${s.name}' yet (luna daemon polls it; luna switch poll -n ${s.name})`,
            );
          }
        },
      }),
    change: () =>
      verb({
        noun: N,
        name: "change",
        description: "change switches",
        args: { ...nameArgs(N), ...flagArgs },
        async run(a) {
          const values = pick(a, fields);
          if (Object.keys(values).length === 0) nothingToChange(N);
          await forEachName(ctx, expandHostlist(nameOf(N, a)), (tx, name) => changeSwitch(tx, name, values));
        },
      }),
    rename: renameVerb(ctx, N, "rename a switch"),
    delete: () =>
      verb({
        noun: N,
        name: "delete",
        description: "delete switches no node refers to",
        args: { ...nameArgs(N) },
        async run(a) {
          await forEachName(ctx, expandHostlist(nameOf(N, a)), (tx, name) => deleteSwitch(tx, name));
        },
      }),
    poll: createSwitchPollVerb(ctx),
  });
}
