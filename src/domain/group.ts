/**
 * Groups: the template every node is made from — osimage, BMC setup, interfaces and their
 * networks, the boot interface, kernel options and the pre/part/post scripts. Setting a
 * network on an interface gives every node of the group an address at once (in name order);
 * removing it gives them back.
 */
import { assign, releaseIface } from "./addresses.ts";
import { checkName, mustGet, parseInteger, requireCluster } from "./common.ts";
import { defaultsOf } from "./documents.ts";
import { AppError } from "./errors.ts";
import {
  applyLinkChange,
  BMC_IF,
  checkLinks,
  type LinkChange,
  refuseAddressOnMember,
  refuseDeleteIfUsed,
  renameLinks,
} from "./iface-links.ts";
import { checkKernelOptions } from "./input-rules.ts";
import type { Group, GroupInterface } from "./model.ts";
import { newId, type StoreWriter } from "./store.ts";

export { BMC_IF } from "./iface-links.ts";
export const DEFAULT_PARTSCRIPT = "mount -t tmpfs tmpfs /sysroot";
export const DEFAULT_POSTSCRIPT =
  "cat << EOF >> /sysroot/etc/fstab\ntmpfs   /       tmpfs    defaults        0 0\nEOF";

const IFNAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
const checkIfName = (name: string): string => {
  if (!IFNAME_RE.test(name))
    throw new AppError(
      "INVALID_NAME",
      `Invalid interface name '${name}'`,
      "Use up to 32 letters, digits, '.', '_' or '-'",
    );
  return name;
};

const findIface = (g: Group, name: string): GroupInterface => {
  const iface = g.interfaces.find((i) => i.name === name);
  if (!iface) {
    throw new AppError(
      "NOT_FOUND",
      `Group '${g.name}' has no interface '${name}'`,
      `Add it with 'luna group change ${g.name} --interface ${name} --add'`,
    );
  }
  return iface;
};

export interface GroupAdd {
  name: string;
  osimage: string;
  interface?: string;
  network?: string;
  bmcsetup?: string;
  bmcnetwork?: string;
  comment?: string;
}

export async function addGroup(tx: StoreWriter, input: GroupAdd): Promise<Group> {
  await requireCluster(tx);
  checkName("group", input.name);
  if (await tx.byName("group", input.name))
    throw new AppError("ALREADY_EXISTS", `A group named '${input.name}' already exists`);
  const image = await mustGet(tx, "osimage", input.osimage);
  const bootIf = checkIfName(input.interface ?? "BOOTIF");
  const net = input.network ? await mustGet(tx, "network", input.network) : undefined;
  const interfaces: GroupInterface[] = [
    {
      name: bootIf,
      network4: net?.version === 4 ? net.id : null,
      network6: net?.version === 6 ? net.id : null,
      params: "",
    },
  ];
  if (input.bmcnetwork) {
    const bmc = await mustGet(tx, "network", input.bmcnetwork);
    if (bmc.version !== 4) throw new AppError("INVALID_NETWORK", "The BMC network must be IPv4");
    interfaces.push({ name: BMC_IF, network4: bmc.id, network6: null, params: "" });
  }
  const group: Group = {
    id: newId(),
    name: input.name,
    osimage: image.id,
    bmcsetup: input.bmcsetup ? (await mustGet(tx, "bmcsetup", input.bmcsetup)).id : null,
    domain: net?.id ?? null,
    boot_if: bootIf,
    torrent_if: "",
    interfaces,
    prescript: "",
    partscript: DEFAULT_PARTSCRIPT,
    postscript: DEFAULT_POSTSCRIPT,
    kernopts: "",
    ...(defaultsOf("group") as Pick<Group, "method" | "seed_tail">),
    comment: input.comment ?? "",
  };
  await tx.insert("group", group);
  return group;
}

export interface GroupChange {
  method?: string;
  seed_tail?: string;
  osimage?: string;
  domain?: string;
  bmcsetup?: string;
  boot_if?: string;
  torrent_if?: string;
  kernopts?: string;
  prescript?: string;
  partscript?: string;
  postscript?: string;
  comment?: string;
}

export async function changeGroup(tx: StoreWriter, name: string, change: GroupChange): Promise<Group> {
  const g = { ...(await mustGet(tx, "group", name)) };
  if (change.osimage !== undefined) g.osimage = (await mustGet(tx, "osimage", change.osimage)).id;
  if (change.domain !== undefined)
    g.domain = change.domain === "" ? null : (await mustGet(tx, "network", change.domain)).id;
  if (change.bmcsetup !== undefined)
    g.bmcsetup = change.bmcsetup === "" ? null : (await mustGet(tx, "bmcsetup", change.bmcsetup)).id;
  if (change.boot_if !== undefined)
    g.boot_if = change.boot_if === "" ? "" : findIface(g, change.boot_if).name;
  if (change.torrent_if !== undefined)
    g.torrent_if = change.torrent_if === "" ? "" : findIface(g, change.torrent_if).name;
  if (change.method !== undefined) {
    if (change.method !== "torrent" && change.method !== "http") {
      throw new AppError("INVALID_ARGUMENT", `Unknown method '${change.method}'`, "Use torrent or http");
    }
    g.method = change.method;
  }
  if (change.seed_tail !== undefined) g.seed_tail = parseInteger("seed_tail", change.seed_tail, 0, 86400);
  if (change.kernopts !== undefined) checkKernelOptions("kernopts", change.kernopts);
  for (const key of ["kernopts", "prescript", "partscript", "postscript", "comment"] as const) {
    const v = change[key];
    if (v !== undefined) g[key] = v;
  }
  await tx.update("group", g);
  return g;
}

const nodesOf = async (tx: StoreWriter, g: Group) => (await tx.list("node")).filter((n) => n.group === g.id);

export type InterfaceAction =
  | { op: "add" }
  | { op: "delete" }
  | { op: "setnet"; network: string }
  | { op: "delnet"; network?: string }
  | { op: "rename"; to: string }
  | { op: "edit"; params: string }
  /** VLAN, bond or IPoIB settings (iface-links.ts); creates the interface on first use */
  | { op: "link"; change: LinkChange };

export async function changeInterface(
  tx: StoreWriter,
  name: string,
  ifName: string,
  action: InterfaceAction,
): Promise<Group> {
  const g = { ...(await mustGet(tx, "group", name)) };
  const exists = g.interfaces.some((i) => i.name === ifName);
  // The seed's `--bmcnetwork --setnet NET` and `--interface IF --setnet NET` create the interface on first use.
  if (action.op === "add" || (!exists && (action.op === "setnet" || action.op === "link"))) {
    checkIfName(ifName);
    if (exists) throw new AppError("ALREADY_EXISTS", `Group '${g.name}' already has interface '${ifName}'`);
    g.interfaces = [...g.interfaces, { name: ifName, network4: null, network6: null, params: "" }];
    if (action.op === "add") {
      await tx.update("group", g);
      return g;
    }
  }
  const iface = findIface(g, ifName);
  const nodes = await nodesOf(tx, g);
  switch (action.op) {
    case "delete": {
      refuseDeleteIfUsed(g, ifName);
      for (const node of nodes) {
        const n = await releaseIface(tx, node, iface);
        const { [ifName]: _gone, ...rest } = n.interfaces;
        await tx.update("node", { ...n, interfaces: rest });
      }
      g.interfaces = g.interfaces.filter((i) => i.name !== ifName);
      if (g.boot_if === ifName) g.boot_if = "";
      if (g.torrent_if === ifName) g.torrent_if = "";
      break;
    }
    case "setnet": {
      const net = await mustGet(tx, "network", action.network);
      refuseAddressOnMember(g, ifName);
      if (ifName === BMC_IF && net.version !== 4)
        throw new AppError("INVALID_NETWORK", "The BMC network must be IPv4");
      const slot = net.version === 4 ? "network4" : "network6";
      if (iface[slot] === net.id)
        throw new AppError("ALREADY_EXISTS", `Interface '${ifName}' is already on network '${net.name}'`);
      if (iface[slot]) {
        throw new AppError(
          "INVALID_ARGUMENT",
          `Interface '${ifName}' already has an IPv${net.version} network`,
          `Remove it first with --delnet`,
        );
      }
      const updated = { ...iface, [slot]: net.id };
      g.interfaces = g.interfaces.map((i) => (i.name === ifName ? updated : i));
      if (ifName === g.boot_if && g.domain === null) g.domain = net.id;
      for (const node of nodes)
        await tx.update("node", await assign(tx, node, updated, net.version === 4 ? "ip4" : "ip6"));
      break;
    }
    case "delnet": {
      let slots: ("network4" | "network6")[] = (["network4", "network6"] as const).filter((s) => iface[s]);
      if (action.network !== undefined) {
        const net = await mustGet(tx, "network", action.network);
        slots = slots.filter((s) => iface[s] === net.id);
        if (slots.length === 0)
          throw new AppError("NOT_FOUND", `Network '${net.name}' is not set on interface '${ifName}'`);
      } else if (slots.length > 1) {
        throw new AppError(
          "INVALID_ARGUMENT",
          `Interface '${ifName}' has IPv4 and IPv6 networks`,
          "Name the one to remove: --delnet NET",
        );
      } else if (slots.length === 0) {
        throw new AppError("NOT_FOUND", `Interface '${ifName}' has no network`);
      }
      for (const node of nodes) {
        let n = node;
        for (const s of slots) n = await releaseIface(tx, n, iface, s === "network4" ? "ip4" : "ip6");
        await tx.update("node", n);
      }
      const updated = { ...iface };
      for (const s of slots) updated[s] = null;
      g.interfaces = g.interfaces.map((i) => (i.name === ifName ? updated : i));
      break;
    }
    case "rename": {
      checkIfName(action.to);
      if (g.interfaces.some((i) => i.name === action.to))
        throw new AppError("ALREADY_EXISTS", `Group '${g.name}' already has interface '${action.to}'`);
      g.interfaces = renameLinks(
        g.interfaces.map((i) => (i.name === ifName ? { ...i, name: action.to } : i)),
        ifName,
        action.to,
      );
      checkLinks(g);
      if (g.boot_if === ifName) g.boot_if = action.to;
      if (g.torrent_if === ifName) g.torrent_if = action.to;
      for (const node of nodes) {
        const { [ifName]: ips, ...rest } = node.interfaces;
        await tx.update("node", { ...node, interfaces: ips ? { ...rest, [action.to]: ips } : rest });
      }
      break;
    }
    case "edit":
      g.interfaces = g.interfaces.map((i) => (i.name === ifName ? { ...i, params: action.params } : i));
      break;
    case "link":
      g.interfaces = g.interfaces.map((i) => (i.name === ifName ? applyLinkChange(i, action.change) : i));
      checkLinks(g, ifName);
      break;
  }
  await tx.update("group", g);
  return g;
}

export async function cloneGroup(tx: StoreWriter, name: string, to: string): Promise<Group> {
  const src = await mustGet(tx, "group", name);
  checkName("group", to);
  if (await tx.byName("group", to))
    throw new AppError("ALREADY_EXISTS", `A group named '${to}' already exists`);
  const copy: Group = { ...src, id: newId(), name: to, interfaces: src.interfaces.map((i) => ({ ...i })) };
  await tx.insert("group", copy);
  return copy;
}

export async function deleteGroup(tx: StoreWriter, name: string): Promise<void> {
  const g = await mustGet(tx, "group", name);
  const nodes = await nodesOf(tx, g);
  if (nodes.length > 0) {
    const shown = nodes.slice(0, 10).map((n) => `[node/${n.name}]`);
    if (nodes.length > 10) shown.push(`and ${nodes.length - 10} more`);
    throw new AppError(
      "OBJECT_IN_USE",
      `Cannot delete group '${name}': it is used by ${shown.join(", ")}`,
      "Delete or move those nodes first",
    );
  }
  await tx.remove("group", g.id);
}
