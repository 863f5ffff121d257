/** `luna node add|show|list|change|rename|delete` (hostlists such as node[001-036] for bulk verbs). */
import type { ArgsDef } from "citty";
import { mustGet } from "../../domain/common.ts";
import { AppError } from "../../domain/errors.ts";
import { expandHostlist } from "../../domain/net/hostlist.ts";
import { addNodes, changeNode, deleteNode, type NodeChange } from "../../domain/node.ts";
import { nameArgs, nameOf, opt } from "../args.ts";
import type { CliContext } from "../context.ts";
import { showTable, table } from "../render.ts";
import { commentArg, forEachName, jsonArg, nothingToChange, noun, pick, renameVerb, verb } from "../verb.ts";
import { loadLookup, nameIn, nodeIps, nodeStatus, nodeView } from "../views.ts";
import { nodeBootVerbs, printScript } from "./node-boot.ts";
import { nodeConsoleVerbs } from "./node-console.ts";
import { nodePowerVerbs } from "./node-power.ts";

const N = "node";

const changeArgs = {
  ...nameArgs(N),
  group: {
    type: "string",
    alias: ["g"],
    description: "move to another group (addresses are kept where the networks allow)",
  },
  mac: { type: "string", description: "MAC of the boot interface ('' clears)" },
  switch: { type: "string", alias: ["s"], description: "switch the node is cabled to ('' clears)" },
  port: { type: "string", alias: ["p"], description: "switch port (bridge port number or name)" },
  localboot: { type: "string", alias: ["l"], description: "y|n: boot from the local disk" },
  setupbmc: { type: "string", alias: ["sb"], description: "y|n: program the BMC during install" },
  service: { type: "string", alias: ["sv"], description: "y|n: boot into the service (rescue) shell" },
  interface: { type: "string", alias: ["i"], description: "interface for --ip (or write --ip IF:ADDRESS)" },
  ip: { type: "string", description: "address for an interface: IF:ADDRESS, or ADDRESS with -i IF" },
  ...commentArg,
} satisfies ArgsDef;

function ipChange(ip: string | undefined, iface: string | undefined): [string, string][] | undefined {
  if (ip === undefined) {
    if (iface !== undefined) throw new AppError("INVALID_ARGUMENT", "--interface needs --ip ADDRESS");
    return undefined;
  }
  if (iface !== undefined) return [[iface, ip]];
  const at = ip.indexOf(":");
  if (at <= 0)
    throw new AppError(
      "INVALID_ARGUMENT",
      `Invalid --ip '${ip}'`,
      "Write --ip INTERFACE:ADDRESS, e.g. --ip enp7s0:10.30.0.5",
    );
  return [[ip.slice(0, at), ip.slice(at + 1)]];
}

export function createNodeCommand(ctx: CliContext) {
  return noun(N, "compute nodes", {
    ...nodeBootVerbs(ctx),
    ...nodePowerVerbs(ctx),
    ...nodeConsoleVerbs(ctx),
    add: () =>
      verb({
        noun: N,
        name: "add",
        description: "add nodes to a group; without -n the next free name (node001, node002...) is used",
        args: {
          ...nameArgs(N),
          group: { type: "string", alias: ["g"], required: true, description: "group of the new node" },
        },
        async run(a) {
          const list = opt(a.name) ?? opt(a.target);
          if (list === "")
            throw new AppError(
              "INVALID_ARGUMENT",
              "The node name is empty",
              "Give a name or hostlist (node[001-010]), or leave -n out for the next free name",
            );
          const names = list ? expandHostlist(list) : undefined;
          const created = await ctx.write((tx) => addNodes(tx, a.group, names));
          for (const n of created) ctx.out(`${n.name}`);
        },
      }),
    list: () =>
      verb({
        noun: N,
        name: "list",
        description: "list nodes with group, MAC, addresses and install status",
        args: {
          ...jsonArg,
          group: { type: "string", alias: ["g"], description: "only nodes of this group" },
        },
        async run(a) {
          const store = await ctx.store();
          const l = await loadLookup(store, ["group", "switch"]);
          const groupFilter = a.group !== undefined ? (await mustGet(store, "group", a.group)).id : undefined;
          const nodes = (await store.list(N)).filter((n) => !groupFilter || n.group === groupFilter);
          const now = ctx.now();
          if (a.json) return ctx.json(nodes.map((n) => nodeView(l, n, now).json));
          ctx.out(
            table(
              ["Name", "Group", "MAC", "IPs", "Status"],
              nodes.map((n) => [
                n.name,
                `[${nameIn(l, n.group)}]`,
                n.mac ?? "-",
                nodeIps(n, l.groups.get(n.group)),
                nodeStatus(n, now),
              ]),
            ),
          );
        },
      }),
    show: () =>
      verb({
        noun: N,
        name: "show",
        description: "show nodes (--script boot|install prints what the daemon serves)",
        args: {
          ...nameArgs(N),
          ...jsonArg,
          script: {
            type: "string",
            alias: ["s"],
            description: "print the node's boot or install script instead",
          },
        },
        async run(a) {
          if (typeof a.script === "string") {
            if (a.json)
              throw new AppError(
                "INVALID_ARGUMENT",
                "--script prints a script, not JSON",
                "Leave out --json",
              );
            return printScript(ctx, nameOf(N, a), a.script);
          }
          const store = await ctx.store();
          const l = await loadLookup(store, ["group", "switch"]);
          const now = ctx.now();
          const views = [];
          for (const name of expandHostlist(nameOf(N, a)))
            views.push(nodeView(l, await mustGet(store, N, name), now));
          if (a.json) return ctx.json(views.length === 1 ? views[0]?.json : views.map((v) => v.json));
          for (const v of views) ctx.out(showTable(v.text));
        },
      }),
    change: () =>
      verb({
        noun: N,
        name: "change",
        description: "change nodes: group, MAC, switch port, boot flags, addresses",
        args: changeArgs,
        async run(a) {
          const change: NodeChange = pick(a, [
            "group",
            "mac",
            "switch",
            "port",
            "localboot",
            "setupbmc",
            "service",
            "comment",
          ]);
          const ips = ipChange(opt(a.ip), opt(a.interface));
          if (ips) change.ips = ips;
          if (Object.keys(change).length === 0) nothingToChange(N);
          const names = expandHostlist(nameOf(N, a));
          if (names.length > 1 && (change.mac !== undefined || ips)) {
            throw new AppError("INVALID_ARGUMENT", "--mac and --ip apply to one node at a time");
          }
          await forEachName(ctx, names, (tx, name) => changeNode(tx, name, change));
        },
      }),
    rename: renameVerb(ctx, N, "rename a node"),
    delete: () =>
      verb({
        noun: N,
        name: "delete",
        description: "delete nodes (their addresses and MACs are released)",
        args: { ...nameArgs(N) },
        run: (a) => forEachName(ctx, expandHostlist(nameOf(N, a)), (tx, name) => deleteNode(tx, name)),
      }),
  });
}
