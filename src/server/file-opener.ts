/**
 * Opens a file named in a served folder and decides by what was opened, not by the name,
 * whether it may be served: the name is opened with O_PATH (nothing is read, so a fifo or a
 * device has no side effect), and the opened inode must be a regular file whose real path
 * (/proc/self/fd/N) lies inside the folder's real path. Links are followed, so a link that
 * stays inside the folder (an alias such as `compute-vmlinuz-latest`) is served; one that
 * leads out, directly or through a linked subfolder, is not.
 *
 * The body is then read from that same inode: a read descriptor reopened from the O_PATH one
 * is held per inode and handed to Bun as `/proc/self/fd/N`, which names exactly that inode
 * whatever happens to the folder meanwhile (no check-then-use race). Bun opens it when it
 * sends the response, in the same turn of the event loop; the descriptor is closed after it
 * has gone unused for `idleMs`, so one is open per file recently served, not one per request
 * (a flood of requests cannot exhaust descriptors, and a removed file's space comes back).
 */
import { closeSync, constants, openSync } from "node:fs";
import { type FileHandle, open, readlink, realpath } from "node:fs/promises";
import { join } from "node:path";

/**
 * Linux's O_PATH (asm-generic, x86-64 and arm64); node:fs does not export it. Bun opens every
 * descriptor close-on-exec, so none leaks into aria2c or other children.
 */
const O_PATH = 0o10000000;

export type Opened =
  | { kind: "file"; path: string; size: number; mtime: Date }
  | { kind: "missing" }
  | { kind: "outside"; real: string };

export interface FileOpener {
  open(folder: string, name: string): Promise<Opened>;
}

export function createFileOpener(idleMs = 30_000): FileOpener {
  const held = new Map<string, { fd: number; used: number }>();
  let timer: ReturnType<typeof setInterval> | undefined;
  const sweep = () => {
    const now = performance.now();
    for (const [key, entry] of held) {
      if (now - entry.used < idleMs) continue;
      closeSync(entry.fd);
      held.delete(key);
    }
    if (held.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  return {
    async open(folder, name) {
      let handle: FileHandle;
      try {
        handle = await open(join(folder, name), O_PATH);
      } catch {
        return { kind: "missing" }; // no such name, a dangling link, a link loop
      }
      try {
        const [info, real, base] = await Promise.all([
          handle.stat(),
          readlink(`/proc/self/fd/${handle.fd}`),
          realpath(folder),
        ]);
        if (!real.startsWith(`${base}/`)) return { kind: "outside", real };
        if (!info.isFile()) return { kind: "missing" };
        // No await from here to the set: two requests for one inode share one descriptor.
        const key = `${info.dev}:${info.ino}`;
        let entry = held.get(key);
        if (!entry) {
          entry = { fd: openSync(`/proc/self/fd/${handle.fd}`, constants.O_RDONLY), used: 0 };
          held.set(key, entry);
          timer ??= setInterval(sweep, idleMs).unref();
        }
        entry.used = performance.now();
        return { kind: "file", path: `/proc/self/fd/${entry.fd}`, size: info.size, mtime: info.mtime };
      } finally {
        await handle.close();
      }
    },
  };
}
