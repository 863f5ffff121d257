/** Part of model.ts (split for size): the stored form of a node's per-boot credential. */
import { type Static, Type as T } from "@sinclair/typebox";

/** A node's per-boot credential (domain/boot/credential.ts): only the token's SHA-256 is kept. */
export const NodeCredentialSchema = T.Object({
  hash: T.String(),
  /** the address discovery was asked from; the token is accepted only from there */
  ip: T.String(),
  issued: T.String(),
  expires: T.String(),
  /** how many times a credential was issued while the previous one was still valid */
  reissued: T.Integer({ minimum: 0 }),
  previous_ip: T.Optional(T.String()),
  /** when the node reported install.success: the install script is not served again for this boot */
  installed: T.Optional(T.String()),
});
export type NodeCredential = Static<typeof NodeCredentialSchema>;
