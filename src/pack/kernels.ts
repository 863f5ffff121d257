/**
 * Finds the kernels installed in an image tree, whatever the distribution: the versions of
 * /boot/vmlinuz-* and of the module folders under /lib/modules and /usr/lib/modules (usrmerge),
 * and where a version's kernel and initramfs files are. Paths are resolved inside the image
 * (image-path.ts), so a link such as /lib -> usr/lib or /boot/vmlinuz-X -> /usr/lib/... is
 * read as the image reads it, and never leads to a head-node file.
 */
import { readdirSync, statSync } from "node:fs";
import { AppError } from "../domain/errors.ts";
import { resolveInImage } from "./image-path.ts";

const LINK_FIX = "Point the link at a file inside the image (an absolute target is read from the image root)";

/** A directory, following links; a dangling link or an unreadable entry is not one. */
const isDir = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/** A folder of the image, resolved inside it; undefined when missing, dangling or leading out. */
const dirInImage = (root: string, rel: string): string | undefined => {
  try {
    const dir = resolveInImage(root, rel, LINK_FIX);
    return dir && isDir(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
};

const listDir = (root: string, rel: string): string[] => {
  const dir = dirInImage(root, rel);
  try {
    return dir ? readdirSync(dir) : [];
  } catch {
    return [];
  }
};

export function findKernels(root: string): string[] {
  if (!isDir(root)) {
    throw new AppError(
      "NOT_FOUND",
      `'${root}' is not a directory`,
      "Give the root folder of the image tree with -p",
    );
  }
  const found = new Set<string>();
  for (const f of listDir(root, "boot")) {
    const m = /^vmlinuz-(.+)$/.exec(f);
    if (m?.[1] && !m[1].includes("rescue")) found.add(m[1]);
  }
  for (const dir of ["lib/modules", "usr/lib/modules"]) {
    for (const v of listDir(root, dir)) {
      if (dirInImage(root, `${dir}/${v}`)) found.add(v);
    }
  }
  return [...found];
}

/**
 * The first of `candidates` (relative to the image root) that exists in the image. A
 * candidate that is a link leading out of the image, dangling or looping is an AppError
 * naming the link, whatever the later candidates hold.
 */
function firstInImage(root: string, candidates: string[], fix: string): string | undefined {
  for (const rel of candidates) {
    const path = resolveInImage(root, rel, `${LINK_FIX}, or ${fix}`);
    if (path) return path;
  }
  return undefined;
}

/** Where the kernel image of version `kver` lives in the tree. */
export function kernelFile(root: string, kver: string): string | undefined {
  return firstInImage(
    root,
    [`boot/vmlinuz-${kver}`, `usr/lib/modules/${kver}/vmlinuz`, `lib/modules/${kver}/vmlinuz`],
    "pass --kernfile PATH",
  );
}

/** The image's own initramfs for version `kver` (RHEL's name, then Debian's). */
export function initrdFile(root: string, kver: string): string | undefined {
  return firstInImage(
    root,
    [`boot/initramfs-${kver}.img`, `boot/initrd.img-${kver}`],
    "pass --initrdfile PATH",
  );
}
