/**
 * Replacing a file so that a reader (a daemon, a booting node, a crash at any moment) sees
 * the old file or the new one, never half of one: the new content is written to a temp file
 * in the same folder, given its exact mode (the umask does not apply) and renamed over the
 * old one. `durable` also fsyncs the file and then the folder: without the second, a power
 * loss can bring back the old directory entry.
 */
import {
  chmodSync,
  chownSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";

export interface CommitOptions {
  /** the new file's exact mode */
  mode?: number;
  /** the new file's owner (applied only when running as root) */
  owner?: { uid: number; gid: number };
  /** fsync the file and its folder */
  durable?: boolean;
}

export interface WriteAtomicOptions extends CommitOptions {
  /** the temp file (same folder); default a hidden `.NAME.luna-PID-MS` */
  tmp?: string;
  /** a file already there keeps its mode and owner (`mode` is then for a new file only) */
  keepOld?: boolean;
}

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Moves a complete temp file over `path` (both in one folder). */
export function commitFile(tmp: string, path: string, o: CommitOptions = {}): void {
  if (o.mode !== undefined) chmodSync(tmp, o.mode);
  if (o.owner && process.getuid?.() === 0) chownSync(tmp, o.owner.uid, o.owner.gid);
  if (o.durable) fsyncPath(tmp);
  renameSync(tmp, path);
  if (o.durable) fsyncPath(dirname(path));
}

/** Writes `data` to `path` through a temp file and commitFile; the temp file never stays. */
export function writeFileAtomic(path: string, data: string | Uint8Array, o: WriteAtomicOptions = {}): void {
  const dir = dirname(path);
  const tmp = o.tmp ?? join(dir, `.${basename(path)}.luna-${process.pid}-${Date.now()}`);
  let old: { mode: number; owner: { uid: number; gid: number } } | undefined;
  if (o.keepOld) {
    try {
      const st = statSync(path);
      old = { mode: st.mode & 0o7777, owner: { uid: st.uid, gid: st.gid } };
    } catch {
      old = undefined;
    }
  }
  mkdirSync(dir, { recursive: true });
  // A temp file left by a killed writer is replaced; O_EXCL never follows a link planted there.
  rmSync(tmp, { force: true });
  let fd: number | undefined = openSync(tmp, "wx", 0o600);
  try {
    writeFileSync(fd, data);
    closeSync(fd);
    fd = undefined;
    commitFile(tmp, path, {
      mode: old?.mode ?? o.mode ?? 0o644,
      owner: old?.owner ?? o.owner,
      durable: o.durable,
    });
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
}
