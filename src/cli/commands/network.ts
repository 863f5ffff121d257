/** `luna network add|show|list|change|rename|delete`. */
import { mustGet } from "../../domain/common.ts";
import { AppError } from "../../domain/errors.ts";
import { netmask } from "../../domain/net/ip.ts";
import { addNetwork, cidrOf, deleteNetwork, holdersOf } from "../../domain/network.ts";
import { changeNetwork, type NetworkChange } from "../../domain/network-change.ts";
import { nameArgs, nameOf, readText } from "../args.ts";
import type { CliContext } from "../context.ts";
import { showTable, table } from "../render.ts";
import { commentArg, jsonArg, nothingToChange, noun, pick, renameVerb, verb } from "../verb.ts";
import { netText } from "../views.ts";

const N = "network";

export function createNetworkCommand(ctx: CliContext) {
  return noun(N, "IP networks and their address pools", {
    add: () =>
      verb({
        noun: N,
        name: "add",
        description: "add a network; its last usable address becomes the name server and is reserved",
        args: {
          ...nameArgs(N),
          network: {
            type: "string",
            alias: ["N"],
            required: true,
            description: "network address, e.g. 10.30.0.0",
          },
          prefix: { type: "string", alias: ["P"], required: true, description: "prefix length, e.g. 16" },
          ns_hostname: { type: "string", description: "name server host name" },
          ns_ip: { type: "string", description: "name server address (default: last usable address)" },
          ...commentArg,
        },
        async run(a) {
          const name = nameOf(N, a);
          const net = await ctx.write((tx) =>
            addNetwork(tx, {
              name,
              network: a.network,
              prefix: a.prefix,
              ...pick(a, ["ns_hostname", "ns_ip", "comment"]),
            }),
          );
          ctx.out(`Network ${net.name} ${netText(net)} added (name server ${net.ns_ip})`);
        },
      }),
    list: () =>
      verb({
        noun: N,
        name: "list",
        description: "list networks",
        args: { ...jsonArg },
        async run(a) {
          const nets = await (await ctx.store()).list("network");
          if (a.json)
            return ctx.json(
              nets.map((n) => ({ name: n.name, network: netText(n), version: n.version, ns_ip: n.ns_ip })),
            );
          ctx.out(
            table(
              ["Name", "Network"],
              nets.map((n) => [n.name, netText(n)]),
            ),
          );
        },
      }),
    show: () =>
      verb({
        noun: N,
        name: "show",
        description: "show a network (--reservedips: every address in use and who holds it)",
        args: {
          ...nameArgs(N),
          ...jsonArg,
          reservedips: { type: "boolean", alias: ["r"], description: "list addresses in use" },
        },
        async run(a) {
          const store = await ctx.store();
          const net = await mustGet(store, N, nameOf(N, a));
          if (a.reservedips) {
            const held = (await holdersOf(store, net)).sort((x, y) =>
              x.ip.localeCompare(y.ip, "en", { numeric: true }),
            );
            if (a.json) return ctx.json(held);
            for (const h of held) ctx.out(`${h.ip}:${h.holder}`);
            return;
          }
          const view = {
            name: net.name,
            NETWORK: net.network,
            PREFIX: String(net.prefix),
            NETMASK: netmask(cidrOf(net)),
            version: String(net.version),
            ns_hostname: net.ns_hostname,
            ns_ip: net.ns_ip,
            include: net.include,
            rev_include: net.rev_include,
            comment: net.comment,
          };
          if (a.json)
            return ctx.json({ ...view, PREFIX: net.prefix, version: net.version, freelist: net.freelist });
          ctx.out(showTable(view));
        },
      }),
    change: () =>
      verb({
        noun: N,
        name: "change",
        description:
          "change a network: renumber (-N), resize (-P), reserve/release addresses, name server, zone includes",
        args: {
          ...nameArgs(N),
          network: { type: "string", alias: ["N"], description: "renumber: every host keeps its offset" },
          prefix: {
            type: "string",
            alias: ["P"],
            description: "new prefix; refused if a used address would fall outside",
          },
          reserve: {
            type: "string",
            alias: ["R"],
            description: "reserve an address so it is never handed out",
          },
          release: { type: "string", description: "release a reserved address" },
          ns_hostname: { type: "string", description: "name server host name" },
          ns_ip: { type: "string", description: "name server address" },
          include: {
            type: "boolean",
            description: "edit the text appended to the forward zone (stdin/$EDITOR)",
          },
          rev_include: {
            type: "boolean",
            description: "edit the text appended to the reverse zone (stdin/$EDITOR)",
          },
          ...commentArg,
        },
        async run(a) {
          const name = nameOf(N, a);
          const change: NetworkChange = pick(a, [
            "network",
            "prefix",
            "reserve",
            "release",
            "ns_hostname",
            "ns_ip",
            "comment",
          ]);
          if (a.include && a.rev_include)
            throw new AppError("INVALID_ARGUMENT", "Edit --include and --rev_include one at a time");
          if (a.include || a.rev_include) {
            const net = await mustGet(await ctx.store(), N, name);
            const key = a.include ? "include" : "rev_include";
            change[key] = await readText(ctx.text, net[key], `--${key}`);
          }
          if (Object.keys(change).length === 0) nothingToChange(N);
          await ctx.write((tx) => changeNetwork(tx, name, change));
        },
      }),
    rename: renameVerb(ctx, N, "rename a network (it is also the DNS zone name)"),
    delete: () =>
      verb({
        noun: N,
        name: "delete",
        description: "delete an unused network",
        args: { ...nameArgs(N) },
        run: async (a) => ctx.write((tx) => deleteNetwork(tx, nameOf(N, a))),
      }),
  });
}
