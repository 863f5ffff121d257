/**
 * The kernel and initramfs `osimage pack` puts into <cluster path>/boot: found first (before
 * the long tarball step, so a missing or bad one fails at once), copied after. Files of the
 * image are resolved and read inside the image tree (image-path.ts): a link there such as
 * boot/vmlinuz-X -> /etc/shadow names the image's file, never the head node's. Files named
 * with --kernfile / --initrdfile are the operator's own head-node paths and are copied as given.
 */
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { AppError } from "../domain/errors.ts";
import type { OsImage } from "../domain/model.ts";
import { commitFile } from "../lib/atomic-write.ts";
import { copyFromImage } from "./image-path.ts";
import { initrdFile, kernelFile } from "./kernels.ts";

type Source = { head: string } | { image: string };

export interface BootSources {
  kernel: Source;
  initrd: Source | "build";
}

export interface BootOptions {
  kernelSource?: string;
  initrdSource?: string;
  initrdFromImage?: boolean;
  buildInitramfs?: (image: OsImage, out: string) => Promise<void>;
}

export function findBootSources(image: OsImage, o: BootOptions): BootSources {
  const kernel = o.kernelSource ?? kernelFile(image.path, image.kernver);
  if (!kernel) {
    throw new AppError(
      "NOT_FOUND",
      `No kernel ${image.kernver} in '${image.path}'`,
      "Install it in the image, or pass --kernfile PATH",
    );
  }
  const k: Source = o.kernelSource ? { head: kernel } : { image: kernel };
  if (o.initrdFromImage) {
    const initrd = initrdFile(image.path, image.kernver);
    if (!initrd) {
      throw new AppError(
        "NOT_FOUND",
        `No initramfs for ${image.kernver} in ${image.path}/boot`,
        "Build one in the image, or let pack build it",
      );
    }
    return { kernel: k, initrd: { image: initrd } };
  }
  if (o.initrdSource) return { kernel: k, initrd: { head: o.initrdSource } };
  if (!o.buildInitramfs)
    throw new AppError("NOT_IMPLEMENTED", "No initramfs builder available", "Pass --initrdfile PATH");
  return { kernel: k, initrd: "build" };
}

/** Writes `<boot>/<name>` under a temporary name first, so a killed pack leaves no half file. */
export async function writeBootFiles(
  image: OsImage,
  s: BootSources,
  o: BootOptions & {
    boot: string;
    kernfile: string;
    initrdfile: string;
    log: (line: string) => void;
    /** the files' mode: readable by the daemon's user (pack.ts) */
    mode: number;
  },
): Promise<void> {
  const copy = (from: Source, to: string) =>
    "head" in from ? copyFileSync(from.head, to) : copyFromImage(image.path, from.image, to);
  const kernel = join(o.boot, o.kernfile);
  copy(s.kernel, `${kernel}.partial`);
  commitFile(`${kernel}.partial`, kernel, { mode: o.mode });
  const initrd = join(o.boot, o.initrdfile);
  if (s.initrd !== "build") copy(s.initrd, `${initrd}.partial`);
  else if (o.buildInitramfs) {
    o.log(`building the initramfs with dracut inside ${image.path}`);
    await o.buildInitramfs(image, `${initrd}.partial`);
  }
  commitFile(`${initrd}.partial`, initrd, { mode: o.mode });
}
