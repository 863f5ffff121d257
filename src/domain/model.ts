/**
 * Every stored object, defined once as a TypeBox schema. Stores check every document they read
 * against its schema (documents.ts), filling in the fields a schema gives a `default` (documents
 * written before the field existed); limits.ts checks text lengths on write. References between
 * objects are by immutable id, so renames never cascade; names are unique per kind.
 */
import { type Static, Type as T, type TSchema } from "@sinclair/typebox";
import { NodeCredentialSchema } from "./model-credential.ts";
import {
  Comment,
  Id,
  KernOpts,
  Line,
  NetFormatSchema,
  Nullable,
  Script,
  TEXT_LIMITS,
} from "./model-fields.ts";
import { type Group, GroupSchema } from "./model-group.ts";

export type { NodeCredential } from "./model-credential.ts";
export type { NetFormat } from "./model-fields.ts";
export { BOND_MODES, type BondMode, type Group, type GroupInterface } from "./model-group.ts";

/** Every field but the id has a default: `cluster init` starts from them (cluster.ts). */
export const ClusterSchema = T.Object({
  id: Id,
  name: T.Literal("general", { default: "general" }),
  nodeprefix: T.String({ default: "node" }),
  nodedigits: T.Integer({ minimum: 1, maximum: 10, default: 3 }),
  path: T.String({ maxLength: TEXT_LIMITS.line, default: "/opt/luna" }),
  user: T.String({ maxLength: TEXT_LIMITS.line, default: "luna" }),
  frontend_address: T.String({ default: "" }),
  frontend_port: T.Integer({ minimum: 1, maximum: 65535, default: 7050 }),
  frontend_https: T.Boolean({ default: false }),
  server_port: T.Integer({ minimum: 1, maximum: 65535, default: 7051 }),
  tracker_interval: T.Integer({ minimum: 1, default: 10 }),
  tracker_min_interval: T.Integer({ minimum: 1, default: 5 }),
  tracker_maxpeers: T.Integer({ minimum: 1, default: 200 }),
  torrent_listen_port_min: T.Integer({ minimum: 1, maximum: 65535, default: 7052 }),
  torrent_listen_port_max: T.Integer({ minimum: 1, maximum: 65535, default: 7200 }),
  named_include_file: T.String({ maxLength: TEXT_LIMITS.line, default: "/etc/named.luna.zones" }),
  named_zone_dir: T.String({ maxLength: TEXT_LIMITS.line, default: "/var/named" }),
  cluster_ips: T.Array(T.String(), { default: [] }),
  dhcp_net: T.Union([T.String(), T.Null()], { default: null }),
  dhcp_range_start: T.Union([T.String(), T.Null()], { default: null }),
  dhcp_range_end: T.Union([T.String(), T.Null()], { default: null }),
  /** what choosing a node by name in the iPXE menu may do: bind a node with no MAC, any node, nothing */
  discovery_by_name: T.Union([T.Literal("open"), T.Literal("unbound"), T.Literal("off")], {
    default: "unbound",
  }),
  comment: T.String({ maxLength: TEXT_LIMITS.comment, default: "" }),
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
  /** how `node power` reaches the BMC */
  protocol: T.Union([T.Literal("ipmi"), T.Literal("redfish")], { default: "ipmi" }),
  /** Redfish only: accept a self-signed certificate */
  insecure: T.Boolean({ default: false }),
  /** BMC port; 0 = the protocol's own (623/udp for IPMI, 443 for Redfish) */
  port: T.Integer({ minimum: 0, maximum: 65535, default: 0 }),
  /** IPMI cipher suite for ipmitool -C; absent = ipmitool's own choice */
  cipher: T.Optional(T.Integer({ minimum: 0, maximum: 255 })),
  comment: Comment,
});
export type BmcSetup = Static<typeof BmcSetupSchema>;

export const SwitchSchema = T.Object({
  id: Id,
  name: T.String(),
  network: T.String(),
  ip: T.String(),
  read: Line,
  rw: Line,
  oid: Line,
  /** SNMP version the poller speaks to it */
  snmp_version: T.Union([T.Literal("1"), T.Literal("2c")], { default: "2c" }),
  comment: Comment,
});
export type Switch = Static<typeof SwitchSchema>;
export type SwitchSnmpVersion = Switch["snmp_version"];

export const OtherDevSchema = T.Object({
  id: Id,
  name: T.String(),
  /** network id → address */
  connected: T.Record(T.String(), T.String()),
  /** MAC for a fixed DHCP lease on the DHCP network */
  mac: T.Union([T.String(), T.Null()], { default: null }),
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
  history: T.Array(NodeStatusSchema, { default: [] }),
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
export const MacBindingSchema = T.Object({ id: Id, name: T.String(), node: T.String() });
export type MacBinding = Static<typeof MacBindingSchema>;

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
/** The schema of every kind: what a stored document must match (documents.ts). */
export const SCHEMAS = {
  cluster: ClusterSchema,
  network: NetworkSchema,
  osimage: OsImageSchema,
  bmcsetup: BmcSetupSchema,
  switch: SwitchSchema,
  otherdev: OtherDevSchema,
  group: GroupSchema,
  node: NodeSchema,
  mac: MacBindingSchema,
  switchmac: SwitchMacSchema,
  unknown: UnknownNodeSchema,
  peer: PeerSchema,
} as const satisfies { [K in Kind]: TSchema };
export const KINDS = Object.keys(SCHEMAS) as readonly Kind[];
