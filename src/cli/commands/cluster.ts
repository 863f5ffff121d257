/** `luna cluster init|show|change`, plus `makedhcp|makedns` from cluster-net.ts. */
import type { ArgsDef } from "citty";
import { type ClusterInput, changeCluster, initCluster } from "../../domain/cluster.ts";
import { requireCluster } from "../../domain/common.ts";
import { opt, readText } from "../args.ts";
import type { CliContext } from "../context.ts";
import { showTable, yesNo } from "../render.ts";
import { commentArg, jsonArg, nothingToChange, noun, verb } from "../verb.ts";
import { loadLookup, nameIn } from "../views.ts";
import { clusterNetVerbs } from "./cluster-net.ts";

const s = (description: string, alias?: string[]) => ({
  type: "string" as const,
  description,
  ...(alias ? { alias } : {}),
});

const settingArgs = {
  frontend_address: s("the head node's address on the cluster network (e.g. 10.30.255.254)"),
  nodeprefix: s("prefix of generated node names (default node)", ["p"]),
  nodedigits: s("digits of generated node numbers (default 3)", ["d"]),
  path: s("folder for boot files and torrents (default /opt/luna)"),
  user: s("user the daemon runs as (default luna)"),
} satisfies ArgsDef;

const changeArgs = {
  ...settingArgs,
  frontend_port: s("port of the node-facing HTTP server (default 7050)"),
  frontend_https: s("y|n: node-facing URLs use https"),
  server_port: s("internal server port (kept for compatibility)"),
  tracker_interval: s("announce interval given to peers, seconds"),
  tracker_min_interval: s("minimum announce interval, seconds"),
  tracker_maxpeers: s("most peers returned per announce"),
  torrent_listen_port_min: s("lowest port of the head node's seeder"),
  torrent_listen_port_max: s("highest port of the head node's seeder"),
  cluster_ips: s("comma-separated addresses of all head nodes (HA)"),
  named_include_file: s("bind include file written by makedns"),
  named_zone_dir: s("folder for zone files written by makedns"),
  discovery_by_name: s(
    "unbound|open|off: what choosing a node by name in the iPXE menu may bind (default unbound: only a node with no MAC)",
  ),
  edit: {
    type: "boolean",
    alias: ["e"],
    description: "with --comment: read the comment from stdin or $EDITOR",
  },
  ...commentArg,
} satisfies ArgsDef;

function input(a: Record<string, unknown>, keys: string[]): ClusterInput {
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = opt(a[k]);
    if (v !== undefined) out[k] = v;
  }
  return out as ClusterInput;
}

export function createClusterCommand(ctx: CliContext) {
  return noun("cluster", "cluster-wide settings, DHCP and DNS configuration", {
    init: () =>
      verb({
        noun: "cluster",
        name: "init",
        description: "create the cluster settings (defaults: node prefix 'node', 3 digits, path /opt/luna)",
        args: {
          ...settingArgs,
          force: { type: "boolean", description: "reset the settings of an existing cluster" },
        },
        async run(a) {
          const c = await ctx.write(
            (tx) => initCluster(tx, input(a, Object.keys(settingArgs)), a.force === true),
            { create: true },
          );
          ctx.out(`Cluster initialised${c.frontend_address ? ` with frontend ${c.frontend_address}` : ""}`);
        },
      }),
    show: () =>
      verb({
        noun: "cluster",
        name: "show",
        description: "show the cluster settings",
        args: { ...jsonArg },
        async run(a) {
          const store = await ctx.store();
          const c = await requireCluster(store);
          const l = await loadLookup(store, ["network"]);
          const { id: _id, name: _name, ...fields } = c;
          if (a.json) return ctx.json({ ...fields, dhcp_net: nameIn(l, c.dhcp_net) });
          const text: Record<string, string> = {};
          for (const [k, v] of Object.entries(fields)) {
            text[k] =
              typeof v === "boolean"
                ? yesNo(v)
                : Array.isArray(v)
                  ? v.join(",") || "-"
                  : v === null
                    ? "-"
                    : String(v);
          }
          text.dhcp_net = c.dhcp_net ? `[${nameIn(l, c.dhcp_net)}]` : "-";
          ctx.out(showTable(text));
        },
      }),
    change: () =>
      verb({
        noun: "cluster",
        name: "change",
        description: "change cluster settings",
        args: changeArgs,
        async run(a) {
          const values = input(
            a,
            Object.keys(changeArgs).filter((k) => k !== "edit" && k !== "comment"),
          );
          const comment = a.edit
            ? await readText(ctx.text, (await requireCluster(await ctx.store())).comment, "the comment")
            : opt(a.comment);
          if (comment !== undefined) values.comment = comment;
          if (Object.keys(values).length === 0) nothingToChange("cluster");
          await ctx.write((tx) => changeCluster(tx, values));
        },
      }),
    ...clusterNetVerbs(ctx),
  });
}
