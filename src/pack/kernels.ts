/**
 * Finds the kernels installed in an image tree, whatever the distribution: the versions of
 * /boot/vmlinuz-* and of the module folders under /lib/modules and /usr/lib/modules (usrmerge).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { AppError } from "../domain/errors.ts";

const listDir = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

/** A directory, following links; a dangling link or an unreadable entry is not one. */
const isDir = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
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
  for (const f of listDir(join(root, "boot"))) {
    const m = /^vmlinuz-(.+)$/.exec(f);
    if (m?.[1] && !m[1].includes("rescue")) found.add(m[1]);
  }
  for (const dir of ["lib/modules", "usr/lib/modules"]) {
    for (const v of listDir(join(root, dir))) {
      if (isDir(join(root, dir, v))) found.add(v);
    }
  }
  return [...found];
}

/** Where the kernel image of version `kver` lives in the tree. */
export function kernelFile(root: string, kver: string): string | undefined {
  return [
    join(root, "boot", `vmlinuz-${kver}`),
    join(root, "usr/lib/modules", kver, "vmlinuz"),
    join(root, "lib/modules", kver, "vmlinuz"),
  ].find((p) => existsSync(p));
}
