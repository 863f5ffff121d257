/**
 * Kernel discovery in an image tree (src/pack/kernels.ts): /boot/vmlinuz-*, /lib/modules/* and
 * /usr/lib/modules/* (usrmerge), rescue kernels skipped, and where each kernel image lives.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { AppError } from "../../src/domain/errors.ts";
import { findKernels, kernelFile } from "../../src/pack/kernels.ts";

const root = mkdtempSync(join(tmpdir(), "luna-kernels-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fresh tree with the given files (content 'x') and directories (paths ending in '/'). */
function tree(paths: string[]): string {
  const dir = mkdtempSync(join(root, "tree-"));
  for (const p of paths) {
    if (p.endsWith("/")) mkdirSync(join(dir, p), { recursive: true });
    else {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), "x");
    }
  }
  return dir;
}

const sorted = (list: string[]) => [...list].sort();

describe("findKernels", () => {
  test("findKernels finds /boot/vmlinuz-X, /lib/modules/Y and /usr/lib/modules/Z", () => {
    const t = tree(["boot/vmlinuz-5.14.0-1", "lib/modules/6.1.0-2/", "usr/lib/modules/6.8.0-3/"]);
    expect(sorted(findKernels(t))).toEqual(["5.14.0-1", "6.1.0-2", "6.8.0-3"]);
  });

  test("findKernels lists a kernel found in several places once", () => {
    const t = tree(["boot/vmlinuz-6.1.0-1", "lib/modules/6.1.0-1/", "usr/lib/modules/6.1.0-1/"]);
    expect(findKernels(t)).toEqual(["6.1.0-1"]);
  });

  test("findKernels skips rescue kernels", () => {
    const t = tree([
      "boot/vmlinuz-0-rescue-0123456789abcdef",
      "boot/vmlinuz-5.14.0-1",
      "boot/initramfs-5.14.0-1.img",
      "boot/config-5.14.0-1",
    ]);
    expect(findKernels(t)).toEqual(["5.14.0-1"]);
  });

  test("findKernels ignores plain files under the module folders", () => {
    const t = tree(["lib/modules/README", "usr/lib/modules/6.1.0-1/modules.dep"]);
    expect(findKernels(t)).toEqual(["6.1.0-1"]);
  });

  test("findKernels skips a dangling entry under a module folder", () => {
    const t = tree(["lib/modules/6.1.0-1/"]);
    symlinkSync("/nonexistent/luna-kernel-test", join(t, "lib/modules/6.9.9-gone"));
    expect(findKernels(t)).toEqual(["6.1.0-1"]);
  });

  test("findKernels follows usrmerge links: /lib -> usr/lib", () => {
    const t = tree(["usr/lib/modules/6.1.0-1/"]);
    symlinkSync("usr/lib", join(t, "lib"));
    expect(findKernels(t)).toEqual(["6.1.0-1"]);
  });

  test("findKernels gives an empty list for a tree without kernels", () => {
    expect(findKernels(tree(["etc/os-release", "boot/"]))).toEqual([]);
  });

  test("findKernels refuses a path that is not a directory with NOT_FOUND", () => {
    const file = join(tree(["etc/os-release"]), "etc/os-release");
    for (const p of [file, join(root, "does-not-exist")]) {
      let caught: unknown;
      try {
        findKernels(p);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(AppError);
      expect((caught as AppError).code).toBe("NOT_FOUND");
      expect((caught as AppError).message).toContain(p);
    }
  });
});

describe("kernelFile", () => {
  test("kernelFile prefers /boot/vmlinuz-X", () => {
    const t = tree([
      "boot/vmlinuz-6.1.0-1",
      "usr/lib/modules/6.1.0-1/vmlinuz",
      "lib/modules/6.1.0-1/vmlinuz",
    ]);
    expect(kernelFile(t, "6.1.0-1")).toBe(join(t, "boot/vmlinuz-6.1.0-1"));
  });

  test("kernelFile falls back to /usr/lib/modules/X/vmlinuz, then /lib/modules/X/vmlinuz", () => {
    const both = tree(["usr/lib/modules/6.8.0-3/vmlinuz", "lib/modules/6.8.0-3/vmlinuz"]);
    expect(kernelFile(both, "6.8.0-3")).toBe(join(both, "usr/lib/modules/6.8.0-3/vmlinuz"));
    const lib = tree(["lib/modules/6.8.0-3/vmlinuz"]);
    expect(kernelFile(lib, "6.8.0-3")).toBe(join(lib, "lib/modules/6.8.0-3/vmlinuz"));
  });

  test("kernelFile returns undefined when the version has no kernel image", () => {
    const t = tree(["boot/vmlinuz-6.1.0-1", "lib/modules/6.2.0-1/"]);
    expect(kernelFile(t, "6.2.0-1")).toBeUndefined();
    expect(kernelFile(t, "9.9.9")).toBeUndefined();
  });
});
