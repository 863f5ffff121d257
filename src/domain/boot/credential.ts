/**
 * Per-boot node credentials. Discovery (the answer that starts a node's kernel) issues a fresh
 * random token, carried to the initramfs on the kernel command line (`luna.token=`); the
 * install script, status reports and tracker announces must present it, from the address the
 * node booted from. Only a SHA-256 of the token is stored, with that address and an expiry, so
 * the store (or a backup of it) never holds a usable credential. See docs/security.md.
 */
import type { Node, NodeCredential } from "../model.ts";

/** How long a credential stays valid after discovery: an install, its status reports and the seed tail. */
export const CREDENTIAL_TTL_S = 4 * 3600;
/** Tokens are 32 random bytes as hex. */
export const TOKEN_RE = /^[0-9a-f]{64}$/;

export const newToken = (): string => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex");

export const tokenHash = (token: string): string =>
  new Bun.CryptoHasher("sha256").update(token).digest("hex");

/** The credential for a boot that asked from `ip` at `now`; `reissued` counts earlier live ones. */
export function issueCredential(
  node: Node,
  input: { hash: string; ip: string; now: string },
): NodeCredential {
  const prev = node.credential;
  const live = prev !== undefined && Date.parse(prev.expires) > Date.parse(input.now);
  return {
    hash: input.hash,
    ip: input.ip,
    issued: input.now,
    expires: new Date(Date.parse(input.now) + CREDENTIAL_TTL_S * 1000).toISOString(),
    reissued: live ? (prev.reissued ?? 0) + 1 : 0,
    ...(live ? { previous_ip: prev.ip } : {}),
  };
}

export type CredentialCheck =
  | "ok"
  | "missing"
  | "none-issued"
  | "wrong"
  | "expired"
  | "wrong-address"
  | "installed";

/** Whether `token`, presented from `ip` at `now`, is the node's current credential. */
export function checkCredential(
  cred: Pick<NodeCredential, "hash" | "ip" | "expires" | "installed"> | undefined,
  presented: { token: string | undefined; ip: string; now: Date; forScript?: boolean },
): CredentialCheck {
  if (!presented.token) return "missing";
  if (!cred) return "none-issued";
  if (!TOKEN_RE.test(presented.token) || !sameHex(tokenHash(presented.token), cred.hash)) return "wrong";
  if (Date.parse(cred.expires) <= presented.now.getTime()) return "expired";
  if (cred.ip !== presented.ip) return "wrong-address";
  if (presented.forScript && cred.installed) return "installed";
  return "ok";
}

/** Constant-time comparison of two equal-length hex digests. */
function sameHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** What the node (or an operator reading the log) is told when a check fails. */
export const CREDENTIAL_ERRORS: Record<Exclude<CredentialCheck, "ok">, string> = {
  missing: "no boot credential given (token=): the node gets one from its discovery answer (luna.token=)",
  "none-issued": "no boot credential was issued to this node: it must boot through discovery first",
  wrong: "the boot credential does not match the one issued at this node's last discovery (reboot the node)",
  expired: "the boot credential has expired (reboot the node)",
  "wrong-address": "the boot credential was issued to another address than this request's",
  installed: "this boot already installed (install.success): the install script is served once per boot",
};

/** The node once it reported `step`: install.success closes its credential for the install script. */
export function credentialAfter(node: Node, step: string, now: string): Node {
  if (step !== "install.success" || !node.credential) return node;
  return { ...node, credential: { ...node.credential, installed: now } };
}

/** The credential without its hash, for `node show`. */
export function publicCredential(node: Node): Omit<NodeCredential, "hash"> | undefined {
  if (!node.credential) return undefined;
  const { hash: _hash, ...rest } = node.credential;
  return rest;
}
