/**
 * The files the TFTP server may send: regular files inside its root folder, checked on the
 * opened file (its real path from /proc/self/fd), so neither `..` nor a symlink leads out.
 */
import { closeSync, fstatSync, openSync, readlinkSync, readSync, realpathSync } from "node:fs";
import { join } from "node:path";

export type Opened = { ok: true; bytes: Uint8Array } | { ok: false; why: string };

/** A requested name as a path inside the root, or undefined when it cannot be one. */
export function safeName(name: string): string | undefined {
  const rel = name.replace(/^\/+/, "");
  if (rel === "" || rel.length > 255) return undefined;
  const parts = rel.split("/");
  if (parts.some((p) => p === "" || p === "." || p === ".." || !/^[A-Za-z0-9._+~-]+$/.test(p)))
    return undefined;
  return parts.join("/");
}

export function readInside(root: string, name: string, maxBytes: number): Opened {
  const rel = safeName(name);
  if (!rel) return { ok: false, why: "not a plain file name" };
  let fd: number;
  try {
    fd = openSync(join(root, rel), "r");
  } catch {
    return { ok: false, why: "no such file" };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { ok: false, why: "not a regular file" };
    const real = readlinkSync(`/proc/self/fd/${fd}`);
    if (!real.startsWith(`${realpathSync(root)}/`))
      return { ok: false, why: `leads out of the folder (${real})` };
    if (st.size > maxBytes) return { ok: false, why: `larger than ${maxBytes} bytes` };
    const bytes = new Uint8Array(st.size);
    let at = 0;
    while (at < bytes.length) {
      const n = readSync(fd, bytes, at, bytes.length - at, at);
      if (n === 0) break;
      at += n;
    }
    return { ok: true, bytes: bytes.subarray(0, at) };
  } finally {
    closeSync(fd);
  }
}
