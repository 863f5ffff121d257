/**
 * The link layer of a group's interfaces: a NIC (Ethernet), IPoIB, a VLAN on another of the
 * group's interfaces, or a bond of some of them. Pure rules: what a change may set, checked
 * over the whole group so that parents and members exist, nothing depends on itself and a
 * bond member carries no address of its own. The renderers (boot/netfiles.ts) trust them.
 */
import { parseInteger, parseYesNo } from "./common.ts";
import { AppError } from "./errors.ts";
import { BOND_MODES, type BondMode, type Group, type GroupInterface } from "./model.ts";

/** The BMC's interface: programmed with ipmitool, never configured in the image. */
export const BMC_IF = "BMC";

export type IfaceLink =
  | { kind: "ethernet" }
  | { kind: "infiniband" }
  | { kind: "vlan"; id: number; parent: string }
  | { kind: "bond"; mode: BondMode; members: string[] };

/** IPoIB devices are named ib0, ib1... by the kernel; `ipoib` overrides the name rule. */
export const isIpoib = (i: GroupInterface): boolean => i.ipoib ?? /^ib\d/.test(i.name);

export function linkOf(i: GroupInterface): IfaceLink {
  if (i.vlan !== undefined && i.parent !== undefined) return { kind: "vlan", id: i.vlan, parent: i.parent };
  if (i.bond_mode !== undefined) return { kind: "bond", mode: i.bond_mode, members: i.bond_members ?? [] };
  return { kind: isIpoib(i) ? "infiniband" : "ethernet" };
}

/** `--vlan`, `--parent`, `--bond-mode`, `--bond-members`, `--ipoib` as typed; '' clears. */
export interface LinkChange {
  vlan?: string;
  parent?: string;
  bond_mode?: string;
  bond_members?: string;
  ipoib?: string;
}

export const hasLinkChange = (c: LinkChange): boolean => Object.values(c).some((v) => v !== undefined);

const invalid = (message: string, hint?: string) => new AppError("INVALID_ARGUMENT", message, hint);

/** The interface with `c` applied; the group as a whole is checked by checkLinks. */
export function applyLinkChange(i: GroupInterface, c: LinkChange): GroupInterface {
  const next: GroupInterface = { ...i };
  if (c.vlan === "") {
    delete next.vlan;
    delete next.parent;
  } else if (c.vlan !== undefined) {
    next.vlan = parseVlan(c.vlan);
  }
  if (c.parent !== undefined && c.vlan !== "") {
    if (c.parent === "") throw invalid("A VLAN needs its parent", "Clear the VLAN with --vlan ''");
    next.parent = c.parent;
  }
  if (c.bond_mode === "") {
    delete next.bond_mode;
    delete next.bond_members;
  } else if (c.bond_mode !== undefined) {
    next.bond_mode = parseBondMode(c.bond_mode);
  }
  if (c.bond_members !== undefined && c.bond_mode !== "") {
    next.bond_members = c.bond_members.split(",").map((m) => m.trim());
  }
  if (c.ipoib === "") delete next.ipoib;
  else if (c.ipoib !== undefined) next.ipoib = parseYesNo("ipoib", c.ipoib);
  return next;
}

function parseVlan(value: string): number {
  try {
    return parseInteger("vlan", value, 1, 4094);
  } catch {
    // 0 means "no tag" and 4095 is reserved (IEEE 802.1Q).
    throw invalid(`Invalid VLAN id '${value}'`, "Give a number from 1 to 4094");
  }
}

function parseBondMode(value: string): BondMode {
  const mode = BOND_MODES.find((m) => m === value);
  if (!mode) throw invalid(`Unknown bond mode '${value}'`, `Use one of ${BOND_MODES.join(", ")}`);
  return mode;
}

/** The bond `name` is a member of, if any. */
export const bondOf = (g: Group, name: string): GroupInterface | undefined =>
  g.interfaces.find((i) => i.bond_mode !== undefined && (i.bond_members ?? []).includes(name));

/** Interfaces that name `name` as their parent or member. */
export const usersOfIface = (g: Group, name: string): string[] =>
  g.interfaces
    .filter((i) => i.parent === name || (i.bond_mode !== undefined && (i.bond_members ?? []).includes(name)))
    .map((i) => i.name);

export function refuseDeleteIfUsed(g: Group, name: string): void {
  const users = usersOfIface(g, name);
  if (users.length === 0) return;
  throw new AppError(
    "OBJECT_IN_USE",
    `Cannot delete interface '${name}': ${users.map((u) => `'${u}'`).join(", ")} ${users.length > 1 ? "are" : "is"} built on it`,
    "Change or delete those interfaces first",
  );
}

export function refuseAddressOnMember(g: Group, name: string): void {
  const bond = bondOf(g, name);
  if (bond)
    throw invalid(
      `Interface '${name}' is a member of bond '${bond.name}' and carries no address of its own`,
      `Put the network on '${bond.name}'`,
    );
}

/** The interfaces with references to `from` renamed to `to`. */
export const renameLinks = (ifaces: GroupInterface[], from: string, to: string): GroupInterface[] =>
  ifaces.map((i) => {
    const next = { ...i };
    if (next.parent === from) next.parent = to;
    if (next.bond_members) next.bond_members = next.bond_members.map((m) => (m === from ? to : m));
    return next;
  });

/**
 * Checks the link fields of every interface of `g`; throws the first problem found, looking at
 * `changed` first so that the error speaks of the interface the operator named.
 */
export function checkLinks(g: Group, changed?: string): void {
  const byName = new Map(g.interfaces.map((i) => [i.name, i]));
  const need = (owner: string, name: string, role: string): GroupInterface => {
    const i = byName.get(name);
    if (!i || name === BMC_IF)
      throw invalid(
        `Interface '${owner}' names '${name}' as its ${role}, but group '${g.name}' has no such interface`,
        `Add it first: luna group change ${g.name} --interface ${name} --add`,
      );
    if (name === owner) throw invalid(`Interface '${owner}' cannot be its own ${role}`);
    return i;
  };
  const order = [...g.interfaces].sort((a, b) => Number(b.name === changed) - Number(a.name === changed));
  for (const i of order) {
    const linked = i.vlan !== undefined || i.parent !== undefined || i.bond_mode !== undefined;
    if (i.name === BMC_IF && (linked || i.bond_members || i.ipoib !== undefined))
      throw invalid("The BMC interface is set up with ipmitool: it has no VLAN, bond or IPoIB settings");
    if ((i.vlan === undefined) !== (i.parent === undefined))
      throw invalid(
        `Interface '${i.name}' needs both a VLAN id and a parent`,
        `Give --vlan ID --parent IF together (or --vlan '' to make it a plain interface)`,
      );
    if (i.bond_members && i.bond_mode === undefined)
      throw invalid(`Interface '${i.name}' has bond members but no bond mode`, `Add --bond-mode MODE`);
    if (i.vlan !== undefined && i.bond_mode !== undefined)
      throw invalid(`Interface '${i.name}' cannot be a VLAN and a bond at once`);
    if (i.ipoib && (i.vlan !== undefined || i.bond_mode !== undefined))
      throw invalid(`Interface '${i.name}' is a VLAN or a bond, so it cannot be IPoIB`);
    if (i.vlan !== undefined && i.parent !== undefined) {
      const parent = need(i.name, i.parent, "parent");
      if (i.name.includes(".") && i.name !== `${i.parent}.${i.vlan}`)
        throw invalid(
          `A VLAN whose name has a dot must be named PARENT.ID ('${i.parent}.${i.vlan}'), not '${i.name}'`,
          "ifupdown and initscripts read a dot in a name that way; or use a name without a dot",
        );
      if (linkOf(parent).kind === "infiniband")
        throw invalid(
          `Interface '${i.parent}' is IPoIB: InfiniBand has partitions (P_Keys), not VLANs`,
          "Put the VLAN on an Ethernet interface or a bond",
        );
      const bond = bondOf(g, parent.name);
      if (bond)
        throw invalid(
          `Interface '${i.parent}' is a member of bond '${bond.name}' and carries no traffic of its own`,
          `Put the VLAN on '${bond.name}'`,
        );
    }
    if (i.bond_mode !== undefined) checkBond(g, i, need);
  }
  checkCycles(g);
}

function checkBond(
  g: Group,
  bond: GroupInterface,
  need: (owner: string, name: string, role: string) => GroupInterface,
): void {
  const members = bond.bond_members ?? [];
  if (members.length === 0 || members.includes(""))
    throw invalid(`Bond '${bond.name}' needs its members`, "Add --bond-members IF,IF");
  if (new Set(members).size !== members.length)
    throw invalid(`Bond '${bond.name}' names a member twice: ${members.join(",")}`);
  const kinds = new Set<string>();
  for (const name of members) {
    const m = need(bond.name, name, "bond member");
    const kind = linkOf(m).kind;
    if (kind !== "ethernet" && kind !== "infiniband")
      throw invalid(`Bond member '${name}' is a ${kind}; a bond is made of NICs`);
    const other = g.interfaces.find(
      (i) => i !== bond && i.bond_mode !== undefined && (i.bond_members ?? []).includes(name),
    );
    if (other) throw invalid(`Interface '${name}' is already a member of bond '${other.name}'`);
    if (m.network4 || m.network6)
      throw invalid(
        `Interface '${name}' has a network, but a bond member carries no address of its own`,
        `Take it off with: luna group change ${g.name} --interface ${name} --delnet`,
      );
    kinds.add(kind);
  }
  if (kinds.has("infiniband") && (kinds.size > 1 || bond.bond_mode !== "active-backup"))
    throw invalid(
      `Bond '${bond.name}' has IPoIB members: Linux bonds IPoIB only in active-backup mode, without Ethernet`,
    );
}

/** Follows parents and members from every interface; a path back to where it started is a loop. */
function checkCycles(g: Group): void {
  const byName = new Map(g.interfaces.map((i) => [i.name, i]));
  const below = (i: GroupInterface): string[] => [
    ...(i.parent !== undefined ? [i.parent] : []),
    ...(i.bond_mode !== undefined ? (i.bond_members ?? []) : []),
  ];
  const done = new Set<string>();
  const visit = (name: string, path: string[]): void => {
    if (path.includes(name))
      throw invalid(
        `Interfaces of group '${g.name}' would depend on each other in a loop: ${[...path.slice(path.indexOf(name)), name].join(" -> ")}`,
      );
    const i = byName.get(name);
    if (!i || done.has(name)) return;
    for (const next of below(i)) visit(next, [...path, name]);
    done.add(name);
  };
  for (const i of g.interfaces) visit(i.name, []);
}
