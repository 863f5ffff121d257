/**
 * A read-only snapshot of everything the network services and power control work from
 * (cluster, networks, groups, nodes, switches, other devices, BMC setups, images), loaded once so the
 * DHCP, DNS and power rules work on plain objects and stay pure.
 */
import { requireCluster } from "../common.ts";
import type {
  BmcSetup,
  Cluster,
  Group,
  GroupInterface,
  Network,
  Node,
  OsImage,
  OtherDev,
  Switch,
} from "../model.ts";
import type { StoreReader } from "../store.ts";

export interface ClusterSnapshot {
  cluster: Cluster;
  networks: Network[];
  groups: Group[];
  nodes: Node[];
  switches: Switch[];
  otherdevs: OtherDev[];
  bmcsetups: BmcSetup[];
  osimages: OsImage[];
}

export async function loadSnapshot(tx: StoreReader): Promise<ClusterSnapshot> {
  return {
    cluster: await requireCluster(tx),
    networks: await tx.list("network"),
    groups: await tx.list("group"),
    nodes: await tx.list("node"),
    switches: await tx.list("switch"),
    otherdevs: await tx.list("otherdev"),
    bmcsetups: await tx.list("bmcsetup"),
    osimages: await tx.list("osimage"),
  };
}

/** The interfaces of a group bound to `net` in the slot of its IP version. */
export const ifacesOn = (g: Group, net: Network): GroupInterface[] =>
  g.interfaces.filter((i) => (net.version === 4 ? i.network4 : i.network6) === net.id);

/** The node's address on `iface` in the slot of `net`'s IP version. */
export const addressOn = (node: Node, iface: string, net: Network): string | undefined => {
  const ips = node.interfaces[iface];
  return net.version === 4 ? ips?.ip4 : ips?.ip6;
};

/** RFC 1123 host names (labels of letters, digits and inner hyphens): what DNS zones accept. */
export const isHostName = (name: string): boolean =>
  name.length <= 253 && name.split(".").every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l));
