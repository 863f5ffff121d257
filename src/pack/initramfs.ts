/**
 * Builds a node's initramfs by running the image's own dracut inside the image (chroot), with
 * the embedded 95luna module written into the image first. /proc, /sys and /dev are bind
 * mounted for dracut and always unmounted again. An image without dracut gets a clear error
 * naming the ways out.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { AppError } from "../domain/errors.ts";
import type { OsImage } from "../domain/model.ts";
import { writeDracutModule } from "./dracut-module.ts";

/** `luna,-i18n` → `--add luna --omit i18n`; kernel modules → `--add-drivers`. */
export function dracutArgs(
  image: Pick<OsImage, "dracutmodules" | "kernmodules" | "kernver">,
  out: string,
): string[] {
  const args = ["--force", "--no-hostonly", "--kver", image.kernver];
  for (const m of image.dracutmodules
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean)) {
    args.push(...(m.startsWith("-") ? ["--omit", m.slice(1)] : ["--add", m]));
  }
  for (const d of image.kernmodules
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean)) {
    args.push(...(d.startsWith("-") ? ["--omit-drivers", d.slice(1)] : ["--add-drivers", d]));
  }
  return [...args, out];
}

export async function buildInitramfs(image: OsImage, out: string): Promise<void> {
  const root = image.path;
  const dracut = ["usr/bin/dracut", "usr/sbin/dracut", "sbin/dracut"].find((p) => existsSync(join(root, p)));
  if (!dracut) {
    throw new AppError(
      "NOT_FOUND",
      `The image '${image.name}' has no dracut, so no initramfs can be built in it`,
      "Install dracut in the image (Debian: dracut-core), or give one with 'luna osimage pack --initrdfile FILE' or --copy_boot",
    );
  }
  writeDracutModule(root);
  const inImage = `/tmp/luna-initramfs-${process.pid}`;
  const mounted: string[] = [];
  try {
    for (const fs of ["proc", "sys", "dev"]) {
      mkdirSync(join(root, fs), { recursive: true });
      if (Bun.spawnSync(["mount", "--bind", `/${fs}`, join(root, fs)]).exitCode !== 0) {
        throw new AppError(
          "EXTERNAL_COMMAND",
          `Cannot bind-mount /${fs} into the image`,
          "osimage pack must run as root to build an initramfs",
        );
      }
      mounted.push(join(root, fs));
    }
    mkdirSync(join(root, "tmp"), { recursive: true });
    const r = Bun.spawn(["chroot", root, `/${dracut}`, ...dracutArgs(image, inImage)], {
      stdout: "pipe",
      stderr: "pipe",
    });
    const [code, err] = await Promise.all([r.exited, new Response(r.stderr).text()]);
    if (code !== 0) {
      const last = err.trim().split("\n").slice(-3).join(" | ");
      throw new AppError(
        "EXTERNAL_COMMAND",
        `dracut failed in the image (exit ${code}): ${last}`,
        "Fix the image, or supply --initrdfile FILE",
      );
    }
    copyFileSync(join(root, inImage), out);
  } finally {
    for (const m of mounted.reverse()) Bun.spawnSync(["umount", "-l", m]);
    rmSync(join(root, inImage), { force: true });
  }
}
