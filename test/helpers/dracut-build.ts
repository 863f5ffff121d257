/**
 * Builds initramfs images with this machine's dracut and the embedded 95luna module, and runs
 * commands inside an unpacked image. dracut reads modules only from $dracutbasedir/modules.d,
 * so each build gets a temporary dracutbasedir of symlinks to /usr/lib/dracut (modules
 * filtered) plus the module as writeDracutModule writes it; the machine's dracut.conf and
 * dracut.conf.d are ignored (--conf /dev/null, an empty --confdir).
 */
import { existsSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { exec } from "../../src/lib/exec.ts";
import { writeDracutModule } from "../../src/pack/dracut-module.ts";

const DRACUT_LIB = "/usr/lib/dracut";

/** The modules of Debian's dracut-network package (and so absent with dracut-core alone). */
export const NETWORK_MODULE = /network|connman|ifcfg|qemu-net/;

/** A kernel version with a modules tree, for a build that includes NIC drivers. */
export const kver = existsSync("/lib/modules")
  ? readdirSync("/lib/modules").find((k) => existsSync(join("/lib/modules", k, "modules.dep")))
  : undefined;

export type Build = { code: number; log: string; image: string; list: string };

/** Writes the embedded module into `<work>/image` (an image tree, as `osimage pack` does). */
export function writeModuleImage(work: string): void {
  writeDracutModule(join(work, "image"));
}

/** A dracutbasedir: /usr/lib/dracut by symlinks, modules filtered, plus our 95luna. */
export function dracutBase(work: string, name: string, keep: (module: string) => boolean): string {
  const base = join(work, name);
  mkdirSync(join(base, "modules.d"), { recursive: true });
  for (const e of readdirSync(DRACUT_LIB)) {
    if (e !== "modules.d") symlinkSync(join(DRACUT_LIB, e), join(base, e));
  }
  for (const m of readdirSync(join(DRACUT_LIB, "modules.d"))) {
    if (keep(m)) symlinkSync(join(DRACUT_LIB, "modules.d", m), join(base, "modules.d", m));
  }
  const ours = join(work, "image/usr/lib/dracut/modules.d/95luna");
  symlinkSync(ours, join(base, "modules.d/95luna"));
  return base;
}

/** A folder of symlinks to every command of this machine except `missing`. */
export function pathWithout(work: string, missing: string): string {
  const bin = join(work, `bin-without-${missing}`);
  mkdirSync(bin);
  for (const dir of ["/usr/sbin", "/usr/bin"]) {
    for (const e of readdirSync(dir)) {
      if (e !== missing && !existsSync(join(bin, e))) symlinkSync(join(dir, e), join(bin, e));
    }
  }
  return bin;
}

/** `dracut -m "base luna"` into `<work>/<name>.img`; the listing when it succeeded. */
export async function build(
  work: string,
  name: string,
  opts: { base: string; kernel: string[]; env?: Record<string, string> },
): Promise<Build> {
  const image = join(work, `${name}.img`);
  mkdirSync(join(work, "no-conf"), { recursive: true });
  const conf = ["--conf", "/dev/null", "--confdir", join(work, "no-conf")];
  const what = ["--no-hostonly", "--no-early-microcode", ...opts.kernel, "-m", "base luna"];
  const out = ["--gzip", "--force", "--tmpdir", work, image];
  const { code, stdout, stderr } = await exec([Bun.which("dracut") ?? "dracut", ...conf, ...what, ...out], {
    env: { ...process.env, dracutbasedir: opts.base, ...opts.env },
  });
  const list = code === 0 ? Bun.spawnSync(["lsinitrd", image]).stdout.toString() : "";
  return { code, log: stdout + stderr, image, list };
}

/** The dracut modules an image was built with (its lib/dracut/modules.txt). */
export function modulesIn(b: Build): string[] {
  const txt = Bun.spawnSync(["lsinitrd", "-f", "usr/lib/dracut/modules.txt", b.image]);
  return txt.stdout.toString().split("\n").filter(Boolean);
}

/** Runs `script` with the image's /bin/sh in a chroot of the unpacked image (needs root). */
export async function inChroot(root: string, script: string, env: Record<string, string> = {}) {
  const { code, stdout, stderr } = await exec(["chroot", root, "/bin/sh", "-c", script], {
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", ...env },
  });
  return { code, stdout, stderr };
}
