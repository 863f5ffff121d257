/**
 * Every stored object, defined once as a TypeBox schema. The same schemas validate CLI input
 * after parsing, store documents on read, and the JSON that `--json` prints. References between
 * objects are by immutable id, so renames never cascade; names are unique per kind.
 */
import { type Static, Type as T } from "@sinclair/typebox";
import { NodeCredentialSchema } from "./model-credential.ts";
import { Comment, Id, KernOpts, Line, NetFormatSchema, Nullable, Script } from "./model-fields.ts";
import { type Group, GroupSchema } from "./model-group.ts";

export type { NodeCredential } from "./model-credential.ts";
export type { NetFormat } from "./model-fields.ts";
export { BOND_MODES, type BondMode, type Group, type GroupInterface } from "./model-group.ts";

export const ClusterSchema = T.Object({
  id: Id,
  name: T.Literal("general"),
  nodeprefix: T.String(),
  nodedigits: T.Integer({ minimum: 1, maximum: 10 }),
  path: Line,
  user: Line,
  frontend_address: T.String(),
  frontend_port: T.Integer({ minimum: 1, maximum: 65535 }),
  frontend_https: T.Boolean(),
  server_port: T.Integer({ minimum: 1, maximum: 65535 }),
  tracker_interval: T.Integer({ minimum: 1 }),
  tracker_min_interval: T.Integer({ minimum: 1 }),
  tracker_maxpeers: T.Integer({ minimum: 1 }),
  torrent_listen_port_min: T.Integer({ minimum: 1, maximum: 65535 }),
  torrent_listen_port_max: T.Integer({ minimum: 1, maximum: 65535 }),
  named_include_file: Line,
  named_zone_dir: Line,
  cluster_ips: T.Array(T.String()),
  dhcp_net: Nullable(T.String()),
  dhcp_range_start: Nullable(T.String()),
  dhcp_range_end: Nullable(T.String()),
  /** what choosing a node by name in the iPXE menu may do: bind a node with no MAC (default), any node, nothing */
  discovery_by_name: T.Optional(T.Union([T.Literal("open"), T.Literal("unbound"), T.Literal("off")])),
  comment: Comment,
});
export type Cluster = Static<typeof ClusterSchema>;

export const NetworkSchema = T.Object({
  id: Id,
  name: T.String(),
  network: T.String(),
  prefix: T.Integer(),
  version: T.Union([T.Literal(4), T.Literal(6)]),
  freelist: T.Array(T.Tuple([T.String(), T.String()])),
  ns_hostname: Line,
  ns_ip: T.String(),
  include: Script,
  rev_include: Script,
  comment: Comment,
});
export type Network = Static<typeof NetworkSchema>;

export const OsImageVersionSchema = T.Object({
  version: T.Integer({ minimum: 1 }),
  tarball: T.String(),
  torrent: T.String(),
  infohash: T.String(),
  size: T.Integer({ minimum: 0 }),
  created: T.String(),
  /** the network configuration format found in the image when it was packed (absent: older packs) */
  netfmt: T.Optional(NetFormatSchema),
  arch: T.Optional(T.Union([T.Literal("x86_64"), T.Literal("arm64")])), // the kernel's, see boot/arch.ts
});
export type OsImageVersion = Static<typeof OsImageVersionSchema>;

export const OsImageSchema = T.Object({
  id: Id,
  name: T.String(),
  path: Line,
  kernver: Line,
  kernopts: KernOpts,
  kernfile: Line,
  initrdfile: Line,
  dracutmodules: Line,
  kernmodules: Line,
  grab_exclude_list: Script,
  grab_filesystems: Line,
  versions: T.Array(OsImageVersionSchema),
  current: T.Integer({ minimum: 0 }),
  comment: Comment,
});
export type OsImage = Static<typeof OsImageSchema>;

export const BmcSetupSchema = T.Object({
  id: Id,
  name: T.String(),
  user: Line,
  password: Line,
  userid: T.Integer({ minimum: 0 }),
  netchannel: T.Integer({ minimum: 0 }),
  mgmtchannel: T.Integer({ minimum: 0 }),
  /** how `node power` reaches the BMC (default ipmi; absent in documents older than it) */
  protocol: T.Optional(T.Union([T.Literal("ipmi"), T.Literal("redfish")])),
  /** Redfish only: accept a self-signed certificate (default false) */
  insecure: T.Optional(T.Boolean()),
  /** BMC port; absent or 0 = the protocol's own (623/udp for IPMI, 443 for Redfish) */
  port: T.Optional(T.Integer({ minimum: 0, maximum: 65535 })),
  /** IPMI cipher suite for ipmitool -C; absent = ipmitool's own choice */
  cipher: T.Optional(T.Integer({ minimum: 0, maximum: 255 })),
  comment: Comment,
});
export type BmcSetup = Static<typeof BmcSetupSchema>;

export const SwitchSnmpVersionSchema = T.Union([T.Literal("1"), T.Literal("2c")]);
export type SwitchSnmpVersion = Static<typeof SwitchSnmpVersionSchema>;

export const SwitchSchema = T.Object({
  id: Id,
  name: T.String(),
  network: T.String(),
  ip: T.String(),
  read: Line,
  rw: Line,
  oid: Line,
  /** SNMP version the poller speaks to it; documents written before it existed read as "2c" */
  snmp_version: T.Optional(SwitchSnmpVersionSchema),
  comment: Comment,
});
export type Switch = Static<typeof SwitchSchema>;

export const OtherDevSchema = T.Object({
  id: Id,
  name: T.String(),
  /** network id → address */
  connected: T.Record(T.String(), T.String()),
  /** MAC for a fixed DHCP lease on the DHCP network (absent in older documents) */
  mac: T.Optional(T.Union([T.String(), T.Null()])),
  comment: Comment,
});
export type OtherDev = Static<typeof OtherDevSchema>;

export const NodeIpsSchema = T.Object({ ip4: T.Optional(T.String()), ip6: T.Optional(T.String()) });

export const NodeStatusSchema = T.Object({ step: T.String(), time: T.String() });
export type NodeStatus = Static<typeof NodeStatusSchema>;

export const NodeSchema = T.Object({
  id: Id,
  name: T.String(),
  group: T.String(),
  mac: Nullable(T.String()),
  switch: Nullable(T.String()),
  port: T.String(),
  localboot: T.Boolean(),
  setupbmc: T.Boolean(),
  service: T.Boolean(),
  /** interface name → addresses */
  interfaces: T.Record(T.String(), NodeIpsSchema),
  status: T.Union([NodeStatusSchema, T.Null()]),
  /** recent statuses, oldest first, capped (see domain/status.ts) */
  history: T.Optional(T.Array(NodeStatusSchema)),
  /** the address the node last asked from at discovery (DHCP); shown, not trusted on its own */
  bootip: T.Optional(T.String()),
  credential: T.Optional(NodeCredentialSchema),
  /** `<osimage id>:<version>` the node's current install uses (keeps that version alive) */
  imageversion: T.Optional(T.String()),
  comment: Comment,
});
export type Node = Static<typeof NodeSchema>;

/**
 * A MAC the SNMP poller saw on a switch port (never on an uplink port: those MACs are not
 * stored). Keyed (name) by `<switch id>/<mac>`. `port` is the bridge port number, `portname`
 * the port's ifName when the switch reports one (a node's `port` may name either).
 */
export const SwitchMacSchema = T.Object({
  id: Id,
  name: T.String(),
  switch: T.String(),
  port: T.String(),
  portname: T.Optional(T.String()),
  mac: T.String(),
  vlan: T.Integer({ minimum: 0 }),
  seen: T.String(),
});
export type SwitchMac = Static<typeof SwitchMacSchema>;

/** Hardware that asked to boot and matched no node. Keyed (name) by its first MAC. */
export const UnknownNodeSchema = T.Object({
  id: Id,
  name: T.String(),
  macs: T.Array(T.String()),
  serial: T.String(),
  switch: Nullable(T.String()),
  port: T.String(),
  ip: T.String(),
  first: T.String(),
  last: T.String(),
  count: T.Integer({ minimum: 1 }),
  /** why it was not booted, when it asked for a node by name */
  asked: T.Optional(T.String()),
});
export type UnknownNode = Static<typeof UnknownNodeSchema>;

/** A BitTorrent peer as the tracker last heard it. Keyed (name) by `<infohash>/<ip>/<port>`. */
export const PeerSchema = T.Object({
  id: Id,
  name: T.String(),
  infohash: T.String(),
  ip: T.String(),
  port: T.Integer({ minimum: 1, maximum: 65535 }),
  peerid: T.String(),
  uploaded: T.Number({ minimum: 0 }),
  downloaded: T.Number({ minimum: 0 }),
  left: T.Number({ minimum: 0 }),
  event: T.String(),
  updated: T.String(),
});
export type Peer = Static<typeof PeerSchema>;

/** Secondary index: which node owns a MAC. Keyed (name) by the lower-case MAC. */
export interface MacBinding {
  id: string;
  name: string;
  node: string;
}

export interface Kinds {
  cluster: Cluster;
  network: Network;
  osimage: OsImage;
  bmcsetup: BmcSetup;
  switch: Switch;
  otherdev: OtherDev;
  group: Group;
  node: Node;
  mac: MacBinding;
  switchmac: SwitchMac;
  unknown: UnknownNode;
  peer: Peer;
}
export type Kind = keyof Kinds;
export const KINDS: readonly Kind[] = [
  "cluster",
  "network",
  "osimage",
  "bmcsetup",
  "switch",
  "otherdev",
  "group",
  "node",
  "mac",
  "switchmac",
  "unknown",
  "peer",
];
export const SCHEMAS = {
  cluster: ClusterSchema,
  network: NetworkSchema,
  osimage: OsImageSchema,
  bmcsetup: BmcSetupSchema,
  switch: SwitchSchema,
  otherdev: OtherDevSchema,
  group: GroupSchema,
  node: NodeSchema,
} as const;
