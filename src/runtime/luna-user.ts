/**
 * The `luna` system user the daemon runs as (see unit.ts): looked up, and created when missing,
 * either on this machine or in an OS tree being built (`self-install --destdir` into a tree
 * that has etc/passwd: `useradd --prefix` edits that tree's files, never this machine's).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { execSync } from "../lib/exec.ts";
import { LUNA_USER } from "./unit.ts";

export interface Account {
  uid: number;
  gid: number;
}

/** The home is the state folder; no login, no home created (self-install makes the folder). */
export const USERADD_ARGS = [
  "--system",
  "--user-group",
  "--home-dir",
  "/var/lib/luna",
  "--no-create-home",
  "--shell",
  "/usr/sbin/nologin",
  LUNA_USER,
];

const idOf = (flag: "-u" | "-g"): number | undefined => {
  const r = execSync(["id", flag, LUNA_USER]);
  return r.code === 0 ? Number(r.stdout.trim()) : undefined;
};

/** The luna user's ids: on this machine (`root` "/", through NSS) or in the tree's etc/passwd. */
export function lookupAccount(root: string): Account | undefined {
  if (root === "/") {
    const uid = idOf("-u");
    const gid = idOf("-g");
    return uid === undefined || gid === undefined ? undefined : { uid, gid };
  }
  const passwd = join(root, "etc", "passwd");
  if (!existsSync(passwd)) return undefined;
  for (const line of readFileSync(passwd, "utf8").split("\n")) {
    const [name, , uid, gid] = line.split(":");
    if (name === LUNA_USER && uid && gid) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

export type AccountResult = { account: Account; created: boolean } | { account?: undefined; reason: string };

/**
 * Finds or creates the luna user. Created only by root, and under a destdir only when that
 * tree has its own etc/passwd (an OS image); a packaging destdir has none, and then the
 * package's own scripts must create the user (`reason` says how).
 */
export function ensureAccount(root: string): AccountResult {
  const found = lookupAccount(root);
  if (found) return { account: found, created: false };
  const how = `useradd ${USERADD_ARGS.join(" ")}`;
  if (root !== "/" && !existsSync(join(root, "etc", "passwd")))
    return { reason: `${root} has no etc/passwd: the luna user is not created (on the target: ${how})` };
  if (process.getuid?.() !== 0) return { reason: `only root can create the luna user (${how})` };
  const prefix = root === "/" ? [] : ["--prefix", root];
  // No useradd at all: code 127 and the reason in stderr.
  const error = execSync(["useradd", ...prefix, ...USERADD_ARGS]).stderr.trim();
  const account = lookupAccount(root);
  if (!account) return { reason: `could not create the luna user (${how}): ${error}` };
  return { account, created: true };
}
