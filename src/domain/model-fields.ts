/** Part of model.ts (split for size): field schemas that several stored objects share. */
import { type Static, Type as T } from "@sinclair/typebox";

export const Id = T.String({ minLength: 1 });
/**
 * Limits on text an operator writes (checked before every CLI write, see limits.ts): a comment
 * is a note, a script or a zone include is a page of shell or zone text, a path fits PATH_MAX.
 * Kernel options: Linux on x86 takes a 2,048-byte command line (COMMAND_LINE_SIZE) and luna's
 * own arguments use up to about 500 of it (long names, IPv6), so the image's and the group's
 * options get 768 each and both fit together.
 */
export const TEXT_LIMITS = { comment: 1024, kernopts: 768, line: 4096, script: 65536 } as const;
export const Comment = T.String({ maxLength: TEXT_LIMITS.comment });
export const KernOpts = T.String({ maxLength: TEXT_LIMITS.kernopts });
export const Line = T.String({ maxLength: TEXT_LIMITS.line });
export const Script = T.String({ maxLength: TEXT_LIMITS.script });
export const Nullable = <S extends ReturnType<typeof T.String>>(s: S) => T.Union([s, T.Null()]);

/**
 * How an image configures its network (domain/boot/netfiles.ts renders each): NetworkManager
 * keyfiles, systemd-networkd, Debian's /etc/network/interfaces, RHEL's ifcfg; none found.
 */
export const NetFormatSchema = T.Union([
  T.Literal("nm"),
  T.Literal("networkd"),
  T.Literal("debian"),
  T.Literal("ifcfg"),
  T.Literal("none"),
]);
export type NetFormat = Static<typeof NetFormatSchema>;
