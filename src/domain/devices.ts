/**
 * Switches (polled over SNMP for the MACs they learn) and other devices (PDUs, storage, anything
 * that needs a name and an address in DNS/DHCP). Both hold addresses from network pools.
 */
import { checkName, mustGet, normaliseMac, refuseIfUsed, requireCluster } from "./common.ts";
import { defaultsOf } from "./documents.ts";
import { AppError } from "./errors.ts";
import type { OtherDev, Switch, SwitchSnmpVersion } from "./model.ts";
import { canonicalIp } from "./net/ip.ts";
import { networkContaining, release, reserve } from "./network.ts";
import { newId, type StoreWriter } from "./store.ts";

export const QBRIDGE_FDB_OID = ".1.3.6.1.2.1.17.7.1.2.2.1.2";

const checkOid = (oid: string): string => {
  if (!/^\.?\d+(\.\d+)+$/.test(oid))
    throw new AppError(
      "INVALID_ARGUMENT",
      `Invalid OID '${oid}'`,
      "Use numeric dotted form, e.g. .1.3.6.1.2.1.17.7.1.2.2.1.2",
    );
  return oid.startsWith(".") ? oid : `.${oid}`;
};

const checkSnmpVersion = (v: string): SwitchSnmpVersion => {
  if (v === "1" || v === "2c") return v;
  throw new AppError("INVALID_ARGUMENT", `Invalid SNMP version '${v}'`, "Use 1 or 2c");
};

export interface SwitchInput {
  network?: string;
  ip?: string;
  read?: string;
  rw?: string;
  oid?: string;
  snmp_version?: string;
  comment?: string;
}

/** Resolves the switch's network: by name, or the stored network containing its address. */
async function switchNetwork(tx: StoreWriter, ip: string, networkName?: string) {
  if (networkName) return mustGet(tx, "network", networkName);
  const net = networkContaining(await tx.list("network"), ip);
  if (!net)
    throw new AppError(
      "IP_OUT_OF_NETWORK",
      `No network contains ${ip}`,
      "Add the network first, or pass --network",
    );
  return net;
}

export async function addSwitch(tx: StoreWriter, name: string, input: SwitchInput): Promise<Switch> {
  await requireCluster(tx);
  checkName("switch", name);
  if (!input.ip) throw new AppError("INVALID_ARGUMENT", "A switch needs --ip");
  if (await tx.byName("switch", name))
    throw new AppError("ALREADY_EXISTS", `A switch named '${name}' already exists`);
  const ip = canonicalIp(input.ip);
  const net = await switchNetwork(tx, ip, input.network);
  const r = reserve(net, ip);
  await tx.update("network", r.net);
  const sw: Switch = {
    id: newId(),
    name,
    network: net.id,
    ip: r.ip,
    read: input.read ?? "public",
    rw: input.rw ?? "private",
    oid: checkOid(input.oid ?? QBRIDGE_FDB_OID),
    snmp_version:
      input.snmp_version === undefined
        ? (defaultsOf("switch") as Pick<Switch, "snmp_version">).snmp_version
        : checkSnmpVersion(input.snmp_version),
    comment: input.comment ?? "",
  };
  await tx.insert("switch", sw);
  return sw;
}

export async function changeSwitch(tx: StoreWriter, name: string, input: SwitchInput): Promise<Switch> {
  const sw = await mustGet(tx, "switch", name);
  const next: Switch = { ...sw };
  if (input.ip !== undefined || input.network !== undefined) {
    const ip = canonicalIp(input.ip ?? sw.ip);
    const target =
      input.network !== undefined ? await mustGet(tx, "network", input.network) : await switchNetwork(tx, ip);
    const old = await tx.get("network", sw.network);
    if (old) await tx.update("network", release(old, sw.ip));
    const fresh = (await tx.get("network", target.id)) ?? target;
    const r = reserve(fresh, ip);
    await tx.update("network", r.net);
    next.ip = r.ip;
    next.network = target.id;
  }
  if (input.read !== undefined) next.read = input.read;
  if (input.rw !== undefined) next.rw = input.rw;
  if (input.oid !== undefined) next.oid = checkOid(input.oid);
  if (input.snmp_version !== undefined) next.snmp_version = checkSnmpVersion(input.snmp_version);
  if (input.comment !== undefined) next.comment = input.comment;
  await tx.update("switch", next);
  return next;
}

export async function deleteSwitch(tx: StoreWriter, name: string): Promise<void> {
  const sw = await mustGet(tx, "switch", name);
  await refuseIfUsed(tx, "switch", sw.id, name);
  const net = await tx.get("network", sw.network);
  if (net) await tx.update("network", release(net, sw.ip));
  // What the poller learned from this switch goes with it.
  for (const m of await tx.list("switchmac")) if (m.switch === sw.id) await tx.remove("switchmac", m.id);
  await tx.remove("switch", sw.id);
}

export interface OtherDevInput {
  network?: string;
  ip?: string;
  /** MAC for a fixed DHCP lease; '' clears it */
  mac?: string;
  comment?: string;
}

/** A device MAC must not belong to a node or another device: DHCP would give it two leases. */
async function deviceMac(tx: StoreWriter, dev: OtherDev, mac: string): Promise<string | null> {
  if (mac.trim() === "") return null;
  const m = normaliseMac(mac);
  const binding = await tx.byName("mac", m);
  const node = binding ? await tx.get("node", binding.node) : undefined;
  const other = (await tx.list("otherdev")).find((o) => o.id !== dev.id && o.mac === m);
  const owner = node ? `node '${node.name}'` : other ? `otherdev '${other.name}'` : undefined;
  if (owner) throw new AppError("ALREADY_EXISTS", `MAC ${m} already belongs to ${owner}`);
  return m;
}

export async function addOtherDev(tx: StoreWriter, name: string, input: OtherDevInput): Promise<OtherDev> {
  await requireCluster(tx);
  checkName("otherdev", name);
  if (await tx.byName("otherdev", name))
    throw new AppError("ALREADY_EXISTS", `An otherdev named '${name}' already exists`);
  const dev: OtherDev = { id: newId(), name, connected: {}, mac: null, comment: input.comment ?? "" };
  if (input.mac !== undefined) dev.mac = await deviceMac(tx, dev, input.mac);
  if (input.network !== undefined || input.ip !== undefined) await connect(tx, dev, input);
  await tx.insert("otherdev", dev);
  return dev;
}

async function connect(tx: StoreWriter, dev: OtherDev, input: OtherDevInput): Promise<void> {
  if (!input.ip) throw new AppError("INVALID_ARGUMENT", "An otherdev on a network needs --ip");
  const ip = canonicalIp(input.ip);
  const net = await switchNetwork(tx, ip, input.network);
  const old = dev.connected[net.id];
  const base = old ? release(net, old) : net;
  const r = reserve(base, ip);
  await tx.update("network", r.net);
  dev.connected = { ...dev.connected, [net.id]: r.ip };
}

export async function changeOtherDev(tx: StoreWriter, name: string, input: OtherDevInput): Promise<OtherDev> {
  const dev = { ...(await mustGet(tx, "otherdev", name)) };
  if (input.network !== undefined && input.ip === "") {
    const net = await mustGet(tx, "network", input.network);
    const old = dev.connected[net.id];
    if (old) await tx.update("network", release(net, old));
    const { [net.id]: _gone, ...rest } = dev.connected;
    dev.connected = rest;
  } else if (input.network !== undefined || input.ip !== undefined) {
    await connect(tx, dev, input);
  }
  if (input.mac !== undefined) dev.mac = await deviceMac(tx, dev, input.mac);
  if (input.comment !== undefined) dev.comment = input.comment;
  await tx.update("otherdev", dev);
  return dev;
}

export async function deleteOtherDev(tx: StoreWriter, name: string): Promise<void> {
  const dev = await mustGet(tx, "otherdev", name);
  for (const [netId, ip] of Object.entries(dev.connected)) {
    const net = await tx.get("network", netId);
    if (net) await tx.update("network", release(net, ip));
  }
  await tx.remove("otherdev", dev.id);
}
