/**
 * Paths inside an image tree, read as the image itself reads them once booted, not as the
 * head node would: an absolute link target `/x` means `<image root>/x`, and a chain of links
 * is followed the same way, one component at a time, at most MAX_LINKS hops (Linux's own
 * bound). `..` above the image root is refused rather than clamped: no kernel or initramfs
 * link of a sound image climbs there, so such a link is a mistake (or a trap) to be shown.
 * Files are copied from the descriptor whose real path was checked, so a link swapped in
 * after the check cannot lead the copy out of the tree either.
 */
import {
  closeSync,
  constants,
  copyFileSync,
  fstatSync,
  lstatSync,
  openSync,
  readlinkSync,
  realpathSync,
} from "node:fs";
import { join } from "node:path";
import { AppError } from "../domain/errors.ts";

const MAX_LINKS = 40;
/** Linux's O_PATH (asm-generic, x86-64 and arm64): opens without reading, so a fifo or a device is inert. */
const O_PATH = 0o10000000;

interface Walked {
  /** the real path of the longest existing prefix, under the root as given */
  path: string;
  /** components left once one is missing (empty: the whole path exists) */
  rest: string[];
  /** the last link followed, as the image names it, with its target */
  link?: { name: string; target: string };
}

/** `hint` is the fix to suggest when a link leads out of the tree or goes round in a loop. */
function walk(root: string, rel: string, hint: string): Walked {
  const todo = rel.split("/").filter((p) => p !== "" && p !== ".");
  const done: string[] = [];
  let link: Walked["link"];
  let hops = 0;
  while (todo.length > 0) {
    const part = todo.shift() as string;
    if (part === "..") {
      if (done.length === 0) {
        throw new AppError(
          "INVALID_ARGUMENT",
          link
            ? `The link ${link.name} -> ${link.target} in the image '${root}' leads out of the image`
            : `'${rel}' leads out of the image '${root}'`,
          hint,
        );
      }
      done.pop();
      continue;
    }
    const here = join(root, ...done, part);
    const info = lstatSync(here, { throwIfNoEntry: false });
    if (!info) return { path: join(root, ...done), rest: [part, ...todo], link };
    if (!info.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    const target = readlinkSync(here);
    link = { name: `/${[...done, part].join("/")}`, target };
    if (++hops > MAX_LINKS) {
      throw new AppError(
        "INVALID_ARGUMENT",
        `The links from '/${rel}' in the image '${root}' go round in a loop (at ${link.name})`,
        hint,
      );
    }
    if (target.startsWith("/")) done.length = 0;
    todo.unshift(...target.split("/").filter((p) => p !== "" && p !== "."));
  }
  return { path: join(root, ...done), rest: [], link };
}

/**
 * The file `rel` (relative to the image root) names inside the image, or undefined when there
 * is no such name. A link that leads out of the tree, loops or dangles is an AppError naming
 * it, with `hint` as the fix.
 */
export function resolveInImage(root: string, rel: string, hint: string): string | undefined {
  const w = walk(root, rel, hint);
  if (w.rest.length === 0) return w.path;
  if (!w.link) return undefined;
  throw new AppError(
    "NOT_FOUND",
    `The link ${w.link.name} -> ${w.link.target} in the image '${root}' points at nothing in the image`,
    hint,
  );
}

/**
 * The folder `rel` names inside the image, its missing components to be created as plain
 * folders under the existing part; for writing into an image (the dracut module).
 */
export function folderInImage(root: string, rel: string, hint: string): string {
  const w = walk(root, rel, hint);
  if (w.rest.includes("..")) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `'${rel}' in the image '${root}' climbs out of a missing folder`,
      hint,
    );
  }
  return join(w.path, ...w.rest);
}

/**
 * Copies the regular file at `path` (a path resolveInImage gave) to `dest`, reading it through
 * the descriptor whose real path was checked to be inside the image.
 */
export function copyFromImage(root: string, path: string, dest: string): void {
  const fd = openSync(path, O_PATH | constants.O_NOFOLLOW);
  try {
    const real = readlinkSync(`/proc/self/fd/${fd}`);
    if (!real.startsWith(`${realpathSync(root)}/`) || !fstatSync(fd).isFile()) {
      throw new AppError(
        "INVALID_ARGUMENT",
        `'${path}' is not a regular file inside the image '${root}' (it is ${real})`,
        "Check the image tree; nothing may change its boot files while it is packed",
      );
    }
    // opening /proc/self/fd/N opens the inode that descriptor holds, not a path
    copyFileSync(`/proc/self/fd/${fd}`, dest);
  } finally {
    closeSync(fd);
  }
}
