/**
 * Power control targets: for each node of a hostlist, the BMC to talk to (address of the node's
 * BMC interface, credentials and protocol of its group's bmcsetup), or why there is none. A
 * node without a BMC is one failed line, never an abort of the others (the original skipped
 * them silently). A name that is no node is a mistake in the list: the whole command is refused
 * (not found) before any BMC is touched, as every other command refuses a hostlist with one.
 */
import { type BmcProtocol, bmcAccessOf } from "../bmcsetup.ts";
import { AppError } from "../errors.ts";
import { BMC_IF } from "../group.ts";
import type { ClusterSnapshot } from "./netdata.ts";

export const POWER_ACTIONS = ["status", "on", "off", "reset", "cycle", "identify", "noidentify"] as const;
export type PowerAction = (typeof POWER_ACTIONS)[number];

/** Actions after which nodes boot, and so hit DHCP, TFTP and HTTP: these go in batches. */
export const BOOTING_ACTIONS: readonly PowerAction[] = ["on", "cycle", "reset"];

export function parsePowerAction(text: string | undefined): PowerAction {
  const a = (text ?? "").trim().toLowerCase();
  if (!(POWER_ACTIONS as readonly string[]).includes(a)) {
    throw new AppError(
      "INVALID_ARGUMENT",
      text ? `Unknown power action '${text}'` : "Which power action?",
      `Use one of ${POWER_ACTIONS.join(", ")}: luna node power node[001-004] status`,
    );
  }
  return a as PowerAction;
}

export interface BmcTarget {
  protocol: BmcProtocol;
  host: string;
  port: number;
  user: string;
  password: string;
  insecure: boolean;
  /** IPMI cipher suite, null = ipmitool's own choice */
  cipher: number | null;
}

export interface PowerTarget {
  node: string;
  bmc?: BmcTarget;
  /** why the node cannot be reached; set when `bmc` is not */
  error?: string;
}

export function powerTargets(s: ClusterSnapshot, names: string[], iface = BMC_IF): PowerTarget[] {
  const nodes = new Map(s.nodes.map((n) => [n.name, n]));
  const groups = new Map(s.groups.map((g) => [g.id, g]));
  const unknown = names.filter((n) => !nodes.has(n));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 10).map((n) => `'${n}'`);
    if (unknown.length > 10) shown.push(`and ${unknown.length - 10} more`);
    throw new AppError(
      "NOT_FOUND",
      `No node${unknown.length > 1 ? "s" : ""} named ${shown.join(", ")}`,
      "See 'luna node list'; no BMC was contacted",
    );
  }
  return names.map((name): PowerTarget => {
    const node = nodes.get(name) as NonNullable<ReturnType<typeof nodes.get>>;
    const group = groups.get(node.group);
    const setup = s.bmcsetups.find((b) => b.id === group?.bmcsetup);
    if (!group || !setup) {
      return { node: name, error: `Group '${group?.name ?? "?"}' has no bmcsetup (luna group change -b)` };
    }
    const host = node.interfaces[iface]?.ip4 ?? node.interfaces[iface]?.ip6;
    if (!host) return { node: name, error: `No address on interface '${iface}'` };
    const access = bmcAccessOf(setup);
    return {
      node: name,
      bmc: { ...access, host, user: setup.user, password: setup.password },
    };
  });
}

/** The BMC behind one node's serial console; a node without one is an error, not a line. */
export function consoleTarget(s: ClusterSnapshot, name: string, iface = BMC_IF): BmcTarget {
  const [t] = powerTargets(s, [name], iface);
  if (t?.bmc) return t.bmc;
  const noAddress = t?.error?.startsWith("No address") === true;
  throw new AppError(
    "NOT_FOUND",
    `Node '${name}' has no BMC to reach: ${t?.error}`,
    noAddress
      ? `Give it one with 'luna node change ${name} --ip ${iface}:ADDRESS', or name the interface with -i`
      : undefined,
  );
}

/** Splits targets into boot batches of `size` (0 = one batch), keeping the hostlist order. */
export function batches<T>(items: T[], size: number): T[][] {
  if (size <= 0 || items.length <= size) return items.length ? [items] : [];
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
