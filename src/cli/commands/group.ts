/** `luna group add|show|list|change|clone|rename|delete`. */
import type { ArgsDef } from "citty";
import { mustGet } from "../../domain/common.ts";
import { AppError } from "../../domain/errors.ts";
import {
  addGroup,
  BMC_IF,
  changeGroup,
  changeInterface,
  cloneGroup,
  deleteGroup,
  type GroupChange,
  type InterfaceAction,
} from "../../domain/group.ts";
import { hasLinkChange, type LinkChange } from "../../domain/iface-links.ts";
import { BOND_MODES, type Group } from "../../domain/model.ts";
import { nameArgs, nameOf, opt, readText } from "../args.ts";
import type { CliContext } from "../context.ts";
import { ref, showTable, table } from "../render.ts";
import { commentArg, jsonArg, nothingToChange, noun, type Parsed, pick, renameVerb, verb } from "../verb.ts";
import { groupInterfaces, type Lookup, loadLookup, nameIn } from "../views.ts";

const N = "group";
const SCRIPTS = { prescript: ["pre"], partscript: ["part"], postscript: ["post"] } as const;

const changeArgs = {
  ...nameArgs(N),
  osimage: { type: "string", alias: ["o"], description: "osimage the nodes boot" },
  domain: { type: "string", alias: ["d"], description: "network whose name is the DNS domain ('' clears)" },
  bmcsetup: { type: "string", alias: ["b"], description: "BMC setup ('' clears)" },
  boot_if: { type: "string", description: "interface the node boots from" },
  torrent_if: { type: "string", alias: ["ti"], description: "interface used for BitTorrent ('' clears)" },
  kernopts: { type: "string", description: "extra kernel options for the group" },
  method: { type: "string", description: "how nodes fetch the image: torrent (default) or http" },
  seed_tail: {
    type: "string",
    description: "seconds a node keeps seeding after install while peers download (default 60)",
  },
  prescript: { type: "boolean", alias: ["pre"], description: "edit the prescript (stdin or $EDITOR)" },
  partscript: {
    type: "boolean",
    alias: ["part"],
    description: "edit the partitioning script; it must mount /sysroot",
  },
  postscript: { type: "boolean", alias: ["post"], description: "edit the postscript" },
  interface: {
    type: "string",
    alias: ["i"],
    description: "interface to act on, with one of --add --delete --setnet --delnet --rename --edit",
  },
  bmcnetwork: { type: "boolean", description: "act on the BMC interface (e.g. --bmcnetwork --setnet ipmi)" },
  add: { type: "boolean", alias: ["A"], description: "add the interface" },
  delete: {
    type: "boolean",
    alias: ["D"],
    description: "delete the interface (node addresses on it are released)",
  },
  setnet: {
    type: "string",
    alias: ["sn"],
    description: "put the interface on a network; every node gets an address",
  },
  delnet: {
    type: "string",
    alias: ["dn"],
    description: "take the interface off its network (or the named one)",
  },
  rename: { type: "string", description: "rename the interface" },
  edit: {
    type: "boolean",
    alias: ["e"],
    description: "read text from stdin or $EDITOR (interface config, or with a script flag)",
  },
  vlan: {
    type: "string",
    description: "make the interface a VLAN with this id (1-4094; '' clears), with --parent",
  },
  parent: { type: "string", description: "the interface of the group the VLAN is on" },
  bond_mode: {
    type: "string",
    description: `make the interface a bond: ${BOND_MODES.join(", ")} ('' clears)`,
  },
  bond_members: { type: "string", description: "the bond's members, interfaces of the group: IF,IF" },
  ipoib: { type: "string", description: "IPoIB (InfiniBand) or not: y, n, '' (default: names ib0, ib1...)" },
  ...commentArg,
} satisfies ArgsDef;

function interfaceAction(a: Parsed<typeof changeArgs>): InterfaceAction | undefined {
  const actions: InterfaceAction[] = [];
  if (a.add) actions.push({ op: "add" });
  if (a.delete) actions.push({ op: "delete" });
  if (typeof a.setnet === "string") actions.push({ op: "setnet", network: a.setnet });
  if (a.delnet !== undefined) actions.push({ op: "delnet", network: opt(a.delnet) || undefined });
  if (typeof a.rename === "string") actions.push({ op: "rename", to: a.rename });
  if (actions.length > 1) throw new AppError("INVALID_ARGUMENT", "Give one interface action at a time");
  return actions[0];
}

async function runChange(ctx: CliContext, a: Parsed<typeof changeArgs>): Promise<void> {
  const name = nameOf(N, a);
  const ifName = a.bmcnetwork ? BMC_IF : opt(a.interface);
  if (a.bmcnetwork && a.interface)
    throw new AppError("INVALID_ARGUMENT", "Use either --interface or --bmcnetwork");
  const scripts = (Object.keys(SCRIPTS) as (keyof typeof SCRIPTS)[]).filter((k) => a[k]);
  if (scripts.length > 1) throw new AppError("INVALID_ARGUMENT", "Edit one script at a time");
  const change: GroupChange = pick(a, [
    "method",
    "seed_tail",
    "osimage",
    "domain",
    "bmcsetup",
    "boot_if",
    "torrent_if",
    "kernopts",
    "comment",
  ]);
  const group = await mustGet(await ctx.store(), N, name);
  let action = interfaceAction(a);
  const link: LinkChange = pick(a, ["vlan", "parent", "bond_mode", "bond_members", "ipoib"]);
  if (hasLinkChange(link)) {
    if (ifName === undefined)
      throw new AppError("INVALID_ARGUMENT", "VLAN, bond and IPoIB settings need --interface IF");
    if (action?.op === "delete")
      throw new AppError("INVALID_ARGUMENT", "Delete an interface or change it, not both");
    if (a.edit)
      throw new AppError("INVALID_ARGUMENT", "Give -e on its own, without VLAN, bond or IPoIB settings");
  }
  if (ifName !== undefined) {
    if (scripts.length > 0) throw new AppError("INVALID_ARGUMENT", "Edit a script or an interface, not both");
    if (a.edit) {
      if (action) throw new AppError("INVALID_ARGUMENT", "Give one interface action at a time");
      const current = group.interfaces.find((i) => i.name === ifName)?.params ?? "";
      action = { op: "edit", params: await readText(ctx.text, current, `interface ${ifName}`) };
    }
    if (!action && !hasLinkChange(link))
      throw new AppError(
        "INVALID_ARGUMENT",
        `What should happen to interface '${ifName}'?`,
        "Add --add, --delete, --setnet NET, --delnet, --rename NEW, -e, or VLAN, bond or IPoIB settings",
      );
  } else if (action) {
    throw new AppError("INVALID_ARGUMENT", "Interface actions need --interface IF (or --bmcnetwork)");
  } else if (a.edit && scripts.length === 0) {
    throw new AppError(
      "INVALID_ARGUMENT",
      "-e edits a script or an interface",
      "Add --prescript, --partscript, --postscript or --interface IF",
    );
  }
  const script = scripts[0];
  if (script) change[script] = await readText(ctx.text, group[script], `the ${script}`);
  if (Object.keys(change).length === 0 && !action && !hasLinkChange(link)) nothingToChange(N);
  await ctx.write(async (tx) => {
    // Added first, then its link settings, then the rest (a network, a new name) checked against them.
    if (action?.op === "add" && ifName) await changeInterface(tx, name, ifName, action);
    if (hasLinkChange(link) && ifName) await changeInterface(tx, name, ifName, { op: "link", change: link });
    if (action && action.op !== "add" && ifName) await changeInterface(tx, name, ifName, action);
    if (Object.keys(change).length > 0) await changeGroup(tx, name, change);
  });
}

function groupView(l: Lookup, g: Group) {
  const ifs = groupInterfaces(l, g);
  const json = {
    name: g.name,
    osimage: nameIn(l, g.osimage),
    bmcsetup: nameIn(l, g.bmcsetup),
    domain: nameIn(l, g.domain),
    boot_if: g.boot_if,
    torrent_if: g.torrent_if,
    interfaces: ifs.json,
    kernopts: g.kernopts,
    method: g.method,
    seed_tail: g.seed_tail,
    prescript: g.prescript,
    partscript: g.partscript,
    postscript: g.postscript,
    comment: g.comment,
  };
  const text = {
    ...json,
    osimage: ref(json.osimage),
    bmcsetup: ref(json.bmcsetup),
    domain: ref(json.domain),
    boot_if: g.boot_if || "-",
    torrent_if: g.torrent_if || "-",
    interfaces: ifs.text || "-",
    seed_tail: String(json.seed_tail),
  };
  return { json, text };
}

export function createGroupCommand(ctx: CliContext) {
  return noun(N, "groups of nodes: image, interfaces, networks and scripts", {
    add: () =>
      verb({
        noun: N,
        name: "add",
        description: "add a group (-i names its boot interface; -N puts it on a network)",
        args: {
          ...nameArgs(N),
          osimage: { type: "string", alias: ["o"], required: true, description: "osimage the nodes boot" },
          interface: { type: "string", alias: ["i"], description: "boot interface name (default BOOTIF)" },
          network: { type: "string", alias: ["N"], description: "network of the boot interface" },
          bmcsetup: { type: "string", alias: ["b"], description: "BMC setup" },
          bmcnetwork: { type: "string", description: "network of the BMC interface" },
          ...commentArg,
        },
        run: async (a) => {
          const name = nameOf(N, a);
          await ctx.write((tx) =>
            addGroup(tx, {
              name,
              osimage: a.osimage,
              ...pick(a, ["interface", "network", "bmcsetup", "bmcnetwork", "comment"]),
            }),
          );
        },
      }),
    list: () =>
      verb({
        noun: N,
        name: "list",
        description: "list groups",
        args: { ...jsonArg },
        async run(a) {
          const store = await ctx.store();
          const l = await loadLookup(store, ["network", "osimage", "bmcsetup"]);
          const views = (await store.list(N)).map((g) => groupView(l, g));
          if (a.json) return ctx.json(views.map((v) => v.json));
          ctx.out(
            table(
              ["Name", "Osimage", "Interfaces"],
              views.map((v) => [v.json.name, v.text.osimage, v.text.interfaces]),
            ),
          );
        },
      }),
    show: () =>
      verb({
        noun: N,
        name: "show",
        description: "show a group",
        args: { ...nameArgs(N), ...jsonArg },
        async run(a) {
          const store = await ctx.store();
          const l = await loadLookup(store, ["network", "osimage", "bmcsetup"]);
          const v = groupView(l, await mustGet(store, N, nameOf(N, a)));
          if (a.json) return ctx.json(v.json);
          ctx.out(showTable(v.text));
        },
      }),
    change: () =>
      verb({
        noun: N,
        name: "change",
        description: "change a group, its scripts or one of its interfaces",
        args: changeArgs,
        optionalValue: ["delnet"],
        run: (a) => runChange(ctx, a),
      }),
    clone: () =>
      verb({
        noun: N,
        name: "clone",
        description: "copy a group (without its nodes)",
        args: {
          ...nameArgs(N),
          to: { type: "string", alias: ["t"], required: true, description: "name of the copy" },
        },
        run: async (a) => {
          await ctx.write((tx) => cloneGroup(tx, nameOf(N, a), a.to));
        },
      }),
    rename: renameVerb(ctx, N, "rename a group"),
    delete: () =>
      verb({
        noun: N,
        name: "delete",
        description: "delete a group that has no nodes",
        args: { ...nameArgs(N) },
        run: async (a) => ctx.write((tx) => deleteGroup(tx, nameOf(N, a))),
      }),
  });
}
