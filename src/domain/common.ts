/**
 * Small rules shared by every object: name and MAC validation, yes/no flags, lookups that fail
 * with a helpful error, and the reverse-reference scan that refuses deletes of used objects.
 */
import { AppError, notFound } from "./errors.ts";
import type { Cluster, Kind, Kinds } from "./model.ts";
import type { StoreReader } from "./store.ts";

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export function checkName(kind: string, name: string): string {
  if (!NAME_RE.test(name)) {
    throw new AppError(
      "INVALID_NAME",
      `Invalid ${kind} name '${name}'`,
      "Use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit",
    );
  }
  return name;
}

const MAC_RE = /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i;

export function normaliseMac(mac: string): string {
  const m = mac.trim();
  if (!MAC_RE.test(m)) {
    throw new AppError(
      "INVALID_MAC",
      `Invalid MAC address '${mac}'`,
      "Write it as six hex pairs, e.g. 52:54:00:00:00:01",
    );
  }
  const norm = m.toLowerCase().replaceAll("-", ":");
  // No NIC has these: all zeros, or the group bit set (multicast, broadcast ff:ff:ff:ff:ff:ff).
  const zeros = norm === "00:00:00:00:00:00";
  if (zeros || (Number.parseInt(norm.slice(0, 2), 16) & 1) === 1) {
    throw new AppError(
      "INVALID_MAC",
      `MAC address '${mac}' cannot belong to a network card (${zeros ? "all zeros" : "multicast or broadcast"})`,
      "Give the MAC the node's card reports, e.g. from 'luna node unknown' or its BIOS",
    );
  }
  return norm;
}

export function parseYesNo(flag: string, value: string | boolean): boolean {
  if (typeof value === "boolean") return value;
  const v = value.trim().toLowerCase();
  if (v === "y" || v === "yes" || v === "true" || v === "1") return true;
  if (v === "n" || v === "no" || v === "false" || v === "0") return false;
  throw new AppError("INVALID_ARGUMENT", `Invalid value '${value}' for --${flag}`, "Use y or n");
}

export function parseInteger(
  flag: string,
  value: string | number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const n = typeof value === "number" ? value : Number(String(value).trim());
  // Decimal digits only: Number() alone would also take "1e3", "0x10" and " " (as 0).
  const digits = typeof value === "number" || /^-?\d+$/.test(value.trim());
  if (!digits || !Number.isInteger(n) || n < min || n > max) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `Invalid value '${value}' for --${flag}`,
      `Use an integer in ${min}..${max}`,
    );
  }
  return n;
}

export async function mustGet<K extends Kind>(tx: StoreReader, kind: K, name: string): Promise<Kinds[K]> {
  const doc = await tx.byName(kind, name);
  if (!doc) throw notFound(kind, name);
  return doc;
}

export async function mustGetById<K extends Kind>(tx: StoreReader, kind: K, id: string): Promise<Kinds[K]> {
  const doc = await tx.get(kind, id);
  if (!doc) throw new AppError("NOT_FOUND", `Dangling reference: no ${kind} with id '${id}'`);
  return doc;
}

export async function requireCluster(tx: StoreReader): Promise<Cluster> {
  const cluster = await tx.byName("cluster", "general");
  if (!cluster) {
    throw new AppError(
      "CLUSTER_NOT_INITIALISED",
      "The cluster is not initialised",
      "Run 'luna cluster init' first",
    );
  }
  return cluster;
}

/** Who refers to the object `id` of `kind`, as `[kind/name]` labels, sorted. */
export async function usersOf(tx: StoreReader, kind: Kind, id: string): Promise<string[]> {
  const users: string[] = [];
  const add = (k: string, name: string) => users.push(`[${k}/${name}]`);
  if (kind === "osimage" || kind === "bmcsetup" || kind === "network") {
    for (const g of await tx.list("group")) {
      const uses =
        (kind === "osimage" && g.osimage === id) ||
        (kind === "bmcsetup" && g.bmcsetup === id) ||
        (kind === "network" &&
          (g.domain === id || g.interfaces.some((i) => i.network4 === id || i.network6 === id)));
      if (uses) add("group", g.name);
    }
  }
  if (kind === "network") {
    for (const s of await tx.list("switch")) if (s.network === id) add("switch", s.name);
    for (const o of await tx.list("otherdev")) if (id in o.connected) add("otherdev", o.name);
    const c = await tx.byName("cluster", "general");
    if (c?.dhcp_net === id) add("cluster", "general (DHCP range)");
  }
  if (kind === "group" || kind === "switch") {
    for (const n of await tx.list("node")) {
      if ((kind === "group" && n.group === id) || (kind === "switch" && n.switch === id)) add("node", n.name);
    }
  }
  return users;
}

export async function refuseIfUsed(tx: StoreReader, kind: Kind, id: string, name: string): Promise<void> {
  const users = await usersOf(tx, kind, id);
  if (users.length > 0) {
    const shown = users.length > 10 ? [...users.slice(0, 10), `and ${users.length - 10} more`] : users;
    throw new AppError(
      "OBJECT_IN_USE",
      `Cannot delete ${kind} '${name}': it is used by ${shown.join(", ")}`,
      "Change or delete those first",
    );
  }
}

export async function renameDoc<K extends Kind>(
  tx: import("./store.ts").StoreWriter,
  kind: K,
  name: string,
  newName: string,
) {
  const doc = await mustGet(tx, kind, name);
  checkName(kind, newName);
  if (await tx.byName(kind, newName)) {
    throw new AppError("ALREADY_EXISTS", `A ${kind} named '${newName}' already exists`);
  }
  await tx.update(kind, { ...doc, name: newName });
}
