/**
 * Issue 13, item 6: `osimage pack` reads the kernel and initramfs links of an image as the
 * image reads them (an absolute target starts at the image root), so no head-node file ever
 * lands in <cluster path>/boot, where /boot serves it to the network. Real temp image trees,
 * real packs (tar, torrent, store).
 */
import { expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { initCluster } from "../../src/domain/cluster.ts";
import { AppError } from "../../src/domain/errors.ts";
import { addOsImage } from "../../src/domain/osimage.ts";
import { writeDracutModule } from "../../src/pack/dracut-module.ts";
import { copyFromImage, resolveInImage } from "../../src/pack/image-path.ts";
import { buildInitramfs } from "../../src/pack/initramfs.ts";
import { type PackOptions, packImage } from "../../src/pack/pack.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";

const KVER = "9.9";

/**
 * A temp folder with an image tree (`tree`: `files` written with their text, `links` made as
 * given), the cluster path (`opt`), a head-node initramfs (`initrd`) and a SQLite store.
 */
async function image(o: { files?: Record<string, string>; links?: Record<string, string> }) {
  const dir = mkdtempSync(join(tmpdir(), "luna-pack-links-"));
  const tree = join(dir, "tree");
  const opt = join(dir, "opt");
  const initrd = join(dir, "initrd.img");
  mkdirSync(join(tree, "boot"), { recursive: true });
  writeFileSync(initrd, "HEAD-NODE-INITRD-GIVEN-BY-THE-OPERATOR");
  for (const [rel, text] of Object.entries(o.files ?? {})) {
    mkdirSync(dirname(join(tree, rel)), { recursive: true });
    writeFileSync(join(tree, rel), text);
  }
  for (const [rel, target] of Object.entries(o.links ?? {})) {
    mkdirSync(dirname(join(tree, rel)), { recursive: true });
    symlinkSync(target, join(tree, rel));
  }
  const store = openSqliteStore(join(dir, "luna.db"));
  await store.write(async (tx) => {
    await initCluster(tx, { frontend_address: "10.30.255.254", path: opt }, false);
    await addOsImage(tx, { name: "compute", path: tree, kernels: [KVER] });
  });
  const pack = (extra: Partial<PackOptions> = {}) =>
    packImage({ store, name: "compute", compression: "none", initrdSource: initrd, ...extra });
  /** every file pack left in <opt>/boot and <opt>/torrents, with its text */
  const served = () => {
    const out: Record<string, string> = {};
    for (const folder of ["boot", "torrents"]) {
      if (!existsSync(join(opt, folder))) continue;
      for (const f of readdirSync(join(opt, folder)))
        out[`${folder}/${f}`] = readFileSync(join(opt, folder, f), "latin1");
    }
    return out;
  };
  return {
    dir,
    tree,
    pack,
    served,
    async [Symbol.asyncDispose]() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error("expected an AppError");
}

const HEAD_SHADOW = readFileSync("/etc/shadow", "latin1");
const HEAD_PASSWD = readFileSync("/etc/passwd", "latin1");

test("a kernel link to /etc/shadow names the image's /etc/shadow: missing there, pack fails naming the link and writes nothing", async () => {
  await using fx = await image({ links: { [`boot/vmlinuz-${KVER}`]: "/etc/shadow" } });
  const e = await failure(fx.pack());
  expect(e.code).toBe("NOT_FOUND");
  expect(e.message).toContain(`/boot/vmlinuz-${KVER} -> /etc/shadow`);
  expect(e.hint).toContain("--kernfile");
  // found before the tarball step: no tarball, torrent or boot file at all
  expect(fx.served()).toEqual({});
});

test("a kernel link to /etc/shadow with the image's own /etc/shadow copies the image's file, never the head node's", async () => {
  await using fx = await image({
    files: { "etc/shadow": "IMAGE-SHADOW" },
    links: { [`boot/vmlinuz-${KVER}`]: "/etc/shadow" },
  });
  await fx.pack();
  const files = fx.served();
  expect(files[`boot/compute-vmlinuz-${KVER}`]).toBe("IMAGE-SHADOW");
  for (const text of Object.values(files)) expect(text).not.toBe(HEAD_SHADOW);
});

test("a relative kernel link climbing out of the image (../../../../etc/passwd) is refused and nothing is written", async () => {
  await using fx = await image({
    files: { "etc/passwd": "IMAGE-PASSWD" },
    links: { [`boot/vmlinuz-${KVER}`]: "../../../../etc/passwd" },
  });
  const e = await failure(fx.pack());
  expect(e.code).toBe("INVALID_ARGUMENT");
  expect(e.message).toContain(`/boot/vmlinuz-${KVER} -> ../../../../etc/passwd`);
  expect(e.message).toContain("leads out of the image");
  expect(fx.served()).toEqual({});
  expect(Object.values(fx.served())).not.toContain(HEAD_PASSWD);
});

test("legitimate absolute links inside the image (a chain, a linked folder) pack the image's own files", async () => {
  await using fx = await image({
    files: {
      [`usr/lib/modules/${KVER}/vmlinuz`]: "IMAGE-KERNEL",
      [`boot/initrd.img-${KVER}-real`]: "IMAGE-INITRD",
    },
    links: {
      // boot/vmlinuz-9.9 -> /boot/vmlinuz -> /lib/modules/9.9/vmlinuz, with /lib -> /usr/lib
      [`boot/vmlinuz-${KVER}`]: "/boot/vmlinuz",
      "boot/vmlinuz": `/lib/modules/${KVER}/vmlinuz`,
      lib: "/usr/lib",
      [`boot/initrd.img-${KVER}`]: `/boot/initrd.img-${KVER}-real`,
    },
  });
  await fx.pack({ initrdSource: undefined, initrdFromImage: true });
  const files = fx.served();
  expect(files[`boot/compute-vmlinuz-${KVER}`]).toBe("IMAGE-KERNEL");
  expect(files[`boot/compute-initramfs-${KVER}`]).toBe("IMAGE-INITRD");
});

test("an initramfs link of the image (--copy_boot) to /etc/shadow is refused and nothing is written", async () => {
  await using fx = await image({
    files: { [`boot/vmlinuz-${KVER}`]: "IMAGE-KERNEL" },
    links: { [`boot/initramfs-${KVER}.img`]: "/etc/shadow" },
  });
  const e = await failure(fx.pack({ initrdSource: undefined, initrdFromImage: true }));
  expect(e.code).toBe("NOT_FOUND");
  expect(e.message).toContain(`/boot/initramfs-${KVER}.img -> /etc/shadow`);
  expect(e.hint).toContain("--initrdfile");
  expect(fx.served()).toEqual({});
});

test("a link loop and a dangling link are refused with the link named", async () => {
  await using loop = await image({
    links: { [`boot/vmlinuz-${KVER}`]: "a", "boot/a": "b", "boot/b": "/boot/a" },
  });
  const e = await failure(loop.pack());
  expect([e.code, e.message.includes("loop")]).toEqual(["INVALID_ARGUMENT", true]);
  expect(loop.served()).toEqual({});
  await using dangling = await image({ links: { [`boot/vmlinuz-${KVER}`]: "vmlinuz-gone" } });
  const d = await failure(dangling.pack());
  expect(d.code).toBe("NOT_FOUND");
  expect(d.message).toContain(`/boot/vmlinuz-${KVER} -> vmlinuz-gone`);
  expect(dangling.served()).toEqual({});
});

test("resolveInImage reads links as the image does", async () => {
  await using fx = await image({
    files: { "var/tmp/x": "X", "usr/lib/f": "F" },
    links: { tmp: "/var/tmp", lib: "usr/lib", "etc/up": "../..", "etc/abs": "/etc/../usr/lib/f" },
  });
  const fix = "the fix";
  expect(resolveInImage(fx.tree, "/tmp/x", fix)).toBe(join(fx.tree, "var/tmp/x"));
  expect(resolveInImage(fx.tree, "lib/f", fix)).toBe(join(fx.tree, "usr/lib/f"));
  expect(resolveInImage(fx.tree, "etc/abs", fix)).toBe(join(fx.tree, "usr/lib/f"));
  expect(resolveInImage(fx.tree, "boot/nothing", fix)).toBeUndefined();
  expect(() => resolveInImage(fx.tree, "etc/up/x", fix)).toThrow("leads out of the image");
  expect(() => resolveInImage(fx.tree, "../x", fix)).toThrow("leads out of the image");
});

test("a file swapped for a link out, or a folder swapped for one, after it was resolved is not copied", async () => {
  await using fx = await image({ files: { "boot/k": "IMAGE", "usr/lib/modules/k/vmlinuz": "IMAGE" } });
  const outside = join(fx.dir, "outside");
  mkdirSync(join(outside, "k"), { recursive: true });
  writeFileSync(join(outside, "k", "vmlinuz"), "HEAD-NODE");
  const dest = join(fx.dir, "copied");
  const file = resolveInImage(fx.tree, "boot/k", "fix") as string;
  rmSync(file);
  symlinkSync("/etc/shadow", file);
  expect(() => copyFromImage(fx.tree, file, dest)).toThrow();
  const deep = resolveInImage(fx.tree, "usr/lib/modules/k/vmlinuz", "fix") as string;
  renameSync(join(fx.tree, "usr/lib/modules"), join(fx.tree, "usr/lib/modules.old"));
  symlinkSync(outside, join(fx.tree, "usr/lib/modules"));
  expect(() => copyFromImage(fx.tree, deep, dest)).toThrow("not a regular file inside the image");
  expect(existsSync(dest)).toBe(false);
});

test("the dracut module is written inside the image even when its folder is a link to a head-node path", async () => {
  await using fx = await image({});
  const outside = join(fx.dir, "outside");
  mkdirSync(outside);
  mkdirSync(join(fx.tree, "usr/lib"), { recursive: true });
  symlinkSync(outside, join(fx.tree, "usr/lib/dracut"));
  const written = writeDracutModule(fx.tree);
  expect(readdirSync(outside)).toEqual([]);
  for (const path of written) expect(path.startsWith(join(fx.tree, outside))).toBe(true);
});

test("an image whose /proc is a link is refused before anything is bind-mounted there", async () => {
  await using fx = await image({ files: { "usr/bin/dracut": "#!/bin/sh\n" } });
  const outside = join(fx.dir, "outside");
  mkdirSync(outside);
  symlinkSync(outside, join(fx.tree, "proc"));
  const img = { name: "compute", path: fx.tree, kernver: KVER, dracutmodules: "", kernmodules: "" };
  const e = await failure(buildInitramfs(img as never, join(fx.dir, "out")));
  expect(e.message).toContain("/proc in the image");
  expect(readdirSync(outside)).toEqual([]);
});
