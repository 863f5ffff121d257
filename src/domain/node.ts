/**
 * Nodes: creation with generated names (cluster nodeprefix + nodedigits, never reusing a gap,
 * as the original did) and addresses from the group's networks, changes of group, MAC, switch
 * port and boot flags, and deletion that gives every address back.
 */
import { assign, assignMissing, regroup, releaseAll, releaseIface } from "./addresses.ts";
import { checkName, mustGet, mustGetById, normaliseMac, parseYesNo, requireCluster } from "./common.ts";
import { AppError } from "./errors.ts";
import type { Cluster, Node } from "./model.ts";
import { parseIp } from "./net/ip.ts";
import { newId, type StoreWriter } from "./store.ts";

export function nextNodeName(cluster: Cluster, existing: Iterable<string>): string {
  const re = new RegExp(`^${cluster.nodeprefix.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&")}(\\d+)$`);
  let max = 0;
  for (const name of existing) {
    const m = re.exec(name);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return cluster.nodeprefix + String(max + 1).padStart(cluster.nodedigits, "0");
}

export async function addNodes(tx: StoreWriter, groupName: string, names?: string[]): Promise<Node[]> {
  const cluster = await requireCluster(tx);
  const group = await mustGet(tx, "group", groupName);
  const taken = new Set((await tx.list("node")).map((n) => n.name));
  const wanted = names && names.length > 0 ? names : [nextNodeName(cluster, taken)];
  const created: Node[] = [];
  for (const name of wanted) {
    checkName("node", name);
    if (taken.has(name)) throw new AppError("ALREADY_EXISTS", `A node named '${name}' already exists`);
    taken.add(name);
    let node: Node = {
      id: newId(),
      name,
      group: group.id,
      mac: null,
      switch: null,
      port: "",
      localboot: false,
      setupbmc: true,
      service: false,
      interfaces: {},
      status: null,
      history: [],
      comment: "",
    };
    node = await assignMissing(tx, node, group);
    await tx.insert("node", node);
    created.push(node);
  }
  return created;
}

export interface NodeChange {
  group?: string;
  mac?: string;
  switch?: string;
  port?: string;
  localboot?: string;
  setupbmc?: string;
  service?: string;
  /** interface name → address */
  ips?: [string, string][];
  comment?: string;
}

export async function setMac(tx: StoreWriter, node: Node, mac: string): Promise<Node> {
  if (mac.trim() === "") {
    if (node.mac) {
      const binding = await tx.byName("mac", node.mac);
      if (binding) await tx.remove("mac", binding.id);
    }
    return { ...node, mac: null };
  }
  const m = normaliseMac(mac);
  const binding = await tx.byName("mac", m);
  if (binding && binding.node !== node.id) {
    const owner = await tx.get("node", binding.node);
    throw new AppError(
      "ALREADY_EXISTS",
      `MAC ${m} already belongs to node '${owner?.name ?? binding.node}'`,
      `Clear it there first: luna node change ${owner?.name ?? ""} --mac ''`,
    );
  }
  const dev = (await tx.list("otherdev")).find((o) => o.mac === m);
  if (dev) throw new AppError("ALREADY_EXISTS", `MAC ${m} already belongs to otherdev '${dev.name}'`);
  if (node.mac && node.mac !== m) {
    const old = await tx.byName("mac", node.mac);
    if (old) await tx.remove("mac", old.id);
  }
  if (!binding) await tx.insert("mac", { id: newId(), name: m, node: node.id });
  return { ...node, mac: m };
}

export async function changeNode(tx: StoreWriter, name: string, change: NodeChange): Promise<Node> {
  let node = await mustGet(tx, "node", name);
  if (change.group !== undefined) {
    const to = await mustGet(tx, "group", change.group);
    if (to.id !== node.group) node = await regroup(tx, node, await mustGetById(tx, "group", node.group), to);
  }
  if (change.mac !== undefined) node = await setMac(tx, node, change.mac);
  if (change.switch !== undefined)
    node = { ...node, switch: change.switch === "" ? null : (await mustGet(tx, "switch", change.switch)).id };
  if (change.port !== undefined) {
    if (change.port !== "" && !/^[A-Za-z0-9/_.:-]{1,64}$/.test(change.port)) {
      throw new AppError(
        "INVALID_ARGUMENT",
        `Invalid switch port '${change.port}'`,
        "Use the bridge port number or the port name, e.g. 1 or Gi0/1",
      );
    }
    node = { ...node, port: change.port };
  }
  if (change.localboot !== undefined)
    node = { ...node, localboot: parseYesNo("localboot", change.localboot) };
  if (change.setupbmc !== undefined) node = { ...node, setupbmc: parseYesNo("setupbmc", change.setupbmc) };
  if (change.service !== undefined) node = { ...node, service: parseYesNo("service", change.service) };
  for (const [ifName, ip] of change.ips ?? []) {
    const group = await mustGetById(tx, "group", node.group);
    const iface = group.interfaces.find((i) => i.name === ifName);
    if (!iface) throw new AppError("NOT_FOUND", `Group '${group.name}' has no interface '${ifName}'`);
    const slot = parseIp(ip).version === 4 ? "ip4" : "ip6";
    if (node.interfaces[ifName]?.[slot] === ip) continue;
    node = await releaseIface(tx, node, iface, slot);
    node = await assign(tx, node, iface, slot, ip);
  }
  if (change.comment !== undefined) node = { ...node, comment: change.comment };
  await tx.update("node", node);
  return node;
}

export async function deleteNode(tx: StoreWriter, name: string): Promise<void> {
  const node = await mustGet(tx, "node", name);
  const group = await tx.get("group", node.group);
  if (group) await releaseAll(tx, node, group);
  await setMac(tx, node, "");
  await tx.remove("node", node.id);
}

/** Every address that belongs to a node: its interface addresses and where it booted from. */
export function nodeAddresses(node: Node): Set<string> {
  const set = new Set<string>();
  for (const ips of Object.values(node.interfaces)) {
    if (ips.ip4) set.add(ips.ip4);
    if (ips.ip6) set.add(ips.ip6);
  }
  if (node.bootip) set.add(node.bootip);
  return set;
}
