/**
 * Writing generated files safely: a temp file in the same folder, fsync, rename over the old
 * file, fsync of the folder. A reader (dhcpd, named, a crash at any moment) sees the old file
 * or the new one, never half of one. The old file's mode and owner are kept, so a zone file
 * that named reads as group `named` stays readable.
 */
import {
  closeSync,
  fchownSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { AppError } from "../domain/errors.ts";

export function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw ioError("read", path, e);
  }
}

const ioError = (what: string, path: string, e: unknown) =>
  new AppError(
    "EXTERNAL_COMMAND",
    `Cannot ${what} ${path}: ${(e as Error).message}`,
    "Check the path and that you may write there (root for /etc)",
  );

export function writeAtomic(path: string, text: string, defaultMode = 0o644): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.luna-${process.pid}-${Date.now()}`);
  let old: { mode: number; uid: number; gid: number } | undefined;
  try {
    const st = statSync(path);
    old = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  } catch {
    old = undefined;
  }
  let fd: number | undefined;
  try {
    mkdirSync(dir, { recursive: true });
    fd = openSync(tmp, "wx", old?.mode ?? defaultMode);
    writeSync(fd, text);
    if (old && process.getuid?.() === 0) fchownSync(fd, old.uid, old.gid);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // the temp file was never created, or is already renamed
    }
    throw ioError("write", path, e);
  }
  // Persist the rename itself: without it a power loss can bring back the old directory entry.
  const dfd = openSync(dir, "r");
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}
