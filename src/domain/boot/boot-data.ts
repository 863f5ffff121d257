/**
 * Everything a node's boot and install scripts need, gathered from the store in one place:
 * addresses per interface, the boot interface, BMC settings, the osimage's kernel, initramfs
 * and current packed version, the group's scripts. The renderers take only this plain object.
 */
import { mustGetById, requireCluster } from "../common.ts";
import { BMC_IF, type IfaceLink, linkOf } from "../iface-links.ts";
import type { Network, Node, OsImageVersion } from "../model.ts";
import { netmask } from "../net/ip.ts";
import { cidrOf } from "../network.ts";
import type { StoreReader } from "../store.ts";
import { type Endpoint, endpointOf } from "./urls.ts";

export interface IfaceData {
  name: string;
  ip4: string;
  prefix4: number;
  netmask4: string;
  ip6: string;
  prefix6: number;
  params: string;
  /** NIC, IPoIB, VLAN or bond (iface-links.ts) */
  link: IfaceLink;
}

export interface BootData {
  endpoint: Endpoint;
  name: string;
  hostname: string;
  mac: string;
  localboot: boolean;
  service: boolean;
  setupbmc: boolean;
  kernopts: string;
  kernfile: string;
  initrdfile: string;
  bootIf: IfaceData | null;
  interfaces: IfaceData[];
  bmc: {
    ip: string;
    netmask: string;
    user: string;
    password: string;
    userid: number;
    netchannel: number;
    mgmtchannel: number;
  } | null;
  image: { id: string; name: string; version: OsImageVersion | null };
  prescript: string;
  partscript: string;
  postscript: string;
  torrentIf: string;
  method: "torrent" | "http";
  seedTail: number;
  /** the node's boot credential, when rendering for a node that has one (never stored) */
  token?: string;
}

export async function loadBootData(tx: StoreReader, node: Node): Promise<BootData> {
  const cluster = await requireCluster(tx);
  const group = await mustGetById(tx, "group", node.group);
  const image = await mustGetById(tx, "osimage", group.osimage);
  const nets = new Map<string, Network>();
  const net = async (id: string | null) => {
    if (!id) return undefined;
    if (!nets.has(id)) nets.set(id, await mustGetById(tx, "network", id));
    return nets.get(id);
  };
  const interfaces: IfaceData[] = [];
  let bmc: BootData["bmc"] = null;
  for (const iface of group.interfaces) {
    const ips = node.interfaces[iface.name] ?? {};
    const n4 = await net(iface.network4);
    const n6 = await net(iface.network6);
    const data: IfaceData = {
      name: iface.name,
      ip4: ips.ip4 ?? "",
      prefix4: n4?.prefix ?? 0,
      netmask4: n4 ? netmask(cidrOf(n4)) : "",
      ip6: ips.ip6 ?? "",
      prefix6: n6?.prefix ?? 0,
      params: iface.params,
      link: linkOf(iface),
    };
    if (iface.name === BMC_IF) {
      const setup = group.bmcsetup ? await tx.get("bmcsetup", group.bmcsetup) : undefined;
      if (setup && data.ip4) {
        bmc = {
          ip: data.ip4,
          netmask: data.netmask4,
          user: setup.user,
          password: setup.password,
          userid: setup.userid,
          netchannel: setup.netchannel,
          mgmtchannel: setup.mgmtchannel,
        };
      }
    } else {
      interfaces.push(data);
    }
  }
  const domain = group.domain ? (await net(group.domain))?.name : undefined;
  return {
    endpoint: endpointOf(cluster),
    name: node.name,
    hostname: domain ? `${node.name}.${domain}` : node.name,
    mac: node.mac ?? "",
    localboot: node.localboot,
    service: node.service,
    setupbmc: node.setupbmc,
    kernopts: [image.kernopts, group.kernopts].filter(Boolean).join(" "),
    kernfile: image.kernfile,
    initrdfile: image.initrdfile,
    bootIf: interfaces.find((i) => i.name === group.boot_if) ?? null,
    interfaces,
    bmc,
    image: {
      id: image.id,
      name: image.name,
      version: image.versions.find((v) => v.version === image.current) ?? null,
    },
    prescript: group.prescript,
    partscript: group.partscript,
    postscript: group.postscript,
    torrentIf: group.torrent_if,
    method: group.method,
    seedTail: group.seed_tail,
  };
}
