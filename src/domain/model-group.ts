/**
 * Part of model.ts (split for size): groups and their interfaces. An interface is a NIC by
 * default (IPoIB when named ib<N>); the optional link fields make it a VLAN on another of the
 * group's interfaces or a bond of some of them (rules in domain/iface-links.ts).
 */
import { type Static, Type as T } from "@sinclair/typebox";
import { Comment, Id, KernOpts, Nullable, Script } from "./model-fields.ts";

/** Linux bonding modes by the names the kernel's bonding driver and every network tool know. */
export const BOND_MODES = [
  "balance-rr",
  "active-backup",
  "balance-xor",
  "broadcast",
  "802.3ad",
  "balance-tlb",
  "balance-alb",
] as const;
export type BondMode = (typeof BOND_MODES)[number];

export const GroupInterfaceSchema = T.Object({
  name: T.String(),
  network4: Nullable(T.String()),
  network6: Nullable(T.String()),
  params: Script,
  /** IPoIB or not, set explicitly; absent: IPoIB when the name is ib<N> */
  ipoib: T.Optional(T.Boolean()),
  /** 802.1Q VLAN id; the interface is then a VLAN on `parent` (another interface of the group) */
  vlan: T.Optional(T.Integer({ minimum: 1, maximum: 4094 })),
  parent: T.Optional(T.String()),
  /** the interface is a bond of `bond_members` (other interfaces of the group) in this mode */
  bond_mode: T.Optional(T.Union(BOND_MODES.map((m) => T.Literal(m)))),
  bond_members: T.Optional(T.Array(T.String())),
});
export type GroupInterface = Static<typeof GroupInterfaceSchema>;

export const GroupSchema = T.Object({
  id: Id,
  name: T.String(),
  osimage: T.String(),
  bmcsetup: Nullable(T.String()),
  domain: Nullable(T.String()),
  boot_if: T.String(),
  torrent_if: T.String(),
  interfaces: T.Array(GroupInterfaceSchema),
  prescript: Script,
  partscript: Script,
  postscript: Script,
  kernopts: KernOpts,
  /** how nodes fetch the image: the swarm or plain HTTP from the head node */
  method: T.Union([T.Literal("torrent"), T.Literal("http")], { default: "torrent" }),
  /** seconds a node keeps seeding after its install while peers still download */
  seed_tail: T.Integer({ minimum: 0, maximum: 86400, default: 60 }),
  comment: Comment,
});
export type Group = Static<typeof GroupSchema>;
