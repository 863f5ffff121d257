/** `luna otherdev add|show|list|change|rename|delete`: PDUs, storage and other named devices. */
import type { ArgsDef } from "citty";
import { mustGet } from "../../domain/common.ts";
import { addOtherDev, changeOtherDev, deleteOtherDev } from "../../domain/devices.ts";
import type { OtherDev } from "../../domain/model.ts";
import { expandHostlist } from "../../domain/net/hostlist.ts";
import { nameArgs, nameOf } from "../args.ts";
import type { CliContext } from "../context.ts";
import { showTable, table } from "../render.ts";
import { commentArg, forEachName, jsonArg, nothingToChange, noun, pick, renameVerb, verb } from "../verb.ts";
import { type Lookup, loadLookup, nameIn } from "../views.ts";

const N = "otherdev";
const fields = ["network", "ip", "mac", "comment"] as const;
const flagArgs = {
  network: { type: "string", alias: ["N"], description: "network (default: the one containing --ip)" },
  ip: {
    type: "string",
    alias: ["i"],
    description: "address; with --network and an empty value, disconnects",
  },
  mac: { type: "string", description: "MAC for a fixed DHCP lease from makedhcp ('' clears)" },
  ...commentArg,
} satisfies ArgsDef;
const connected = (l: Lookup, d: OtherDev) =>
  Object.entries(d.connected).map(([net, ip]) => ({ network: nameIn(l, net), ip }));

export function createOtherDevCommand(ctx: CliContext) {
  return noun(N, "other devices that need names and addresses", {
    add: () =>
      verb({
        noun: N,
        name: "add",
        description: "add devices",
        args: { ...nameArgs(N), ...flagArgs },
        run: (a) =>
          forEachName(ctx, expandHostlist(nameOf(N, a)), (tx, name) =>
            addOtherDev(tx, name, pick(a, fields)),
          ),
      }),
    list: () =>
      verb({
        noun: N,
        name: "list",
        description: "list devices",
        args: { ...jsonArg },
        async run(a) {
          const store = await ctx.store();
          const l = await loadLookup(store, ["network"]);
          const all = await store.list(N);
          if (a.json)
            return ctx.json(
              all.map((d) => ({
                name: d.name,
                connected: connected(l, d),
                mac: d.mac ?? null,
                comment: d.comment,
              })),
            );
          ctx.out(
            table(
              ["Name", "IPs"],
              all.map((d) => [
                d.name,
                connected(l, d)
                  .map((c) => `[${c.network}]:${c.ip}`)
                  .join("\n"),
              ]),
            ),
          );
        },
      }),
    show: () =>
      verb({
        noun: N,
        name: "show",
        description: "show devices",
        args: { ...nameArgs(N), ...jsonArg },
        async run(a) {
          const store = await ctx.store();
          const l = await loadLookup(store, ["network"]);
          const out = [];
          for (const name of expandHostlist(nameOf(N, a))) {
            const d = await mustGet(store, N, name);
            out.push({ name: d.name, connected: connected(l, d), mac: d.mac ?? null, comment: d.comment });
          }
          if (a.json) return ctx.json(out.length === 1 ? out[0] : out);
          for (const d of out) {
            ctx.out(
              showTable({
                name: d.name,
                connected: d.connected.map((c) => `[${c.network}]:${c.ip}`).join("\n") || "-",
                mac: d.mac ?? "-",
                comment: d.comment,
              }),
            );
          }
        },
      }),
    change: () =>
      verb({
        noun: N,
        name: "change",
        description: "change devices",
        args: { ...nameArgs(N), ...flagArgs },
        async run(a) {
          const values = pick(a, fields);
          if (Object.keys(values).length === 0) nothingToChange(N);
          await forEachName(ctx, expandHostlist(nameOf(N, a)), (tx, name) =>
            changeOtherDev(tx, name, values),
          );
        },
      }),
    rename: renameVerb(ctx, N, "rename a device"),
    delete: () =>
      verb({
        noun: N,
        name: "delete",
        description: "delete devices (their addresses are released)",
        args: { ...nameArgs(N) },
        run: (a) => forEachName(ctx, expandHostlist(nameOf(N, a)), (tx, name) => deleteOtherDev(tx, name)),
      }),
  });
}
