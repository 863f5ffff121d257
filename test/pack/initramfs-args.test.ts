/** dracutArgs turns an osimage's dracut and kernel module lists into dracut options; zstdInitramfs picks the compressor. */
import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { dracutArgs, zstdInitramfs } from "../../src/pack/initramfs.ts";

test("dracut arguments follow the osimage's dracut and kernel module lists", () => {
  const image = { dracutmodules: "luna,-i18n,-plymouth", kernmodules: "ipmi_si,-floppy", kernver: "6.1.0-9" };
  expect(dracutArgs(image, "/tmp/x")).toEqual([
    "--force",
    "--no-hostonly",
    "--kver",
    "6.1.0-9",
    "--add",
    "luna",
    "--omit",
    "i18n",
    "--omit",
    "plymouth",
    "--add-drivers",
    "ipmi_si",
    "--omit-drivers",
    "floppy",
    "/tmp/x",
  ]);
});

test("--zstd comes before the kernel version when asked for", () => {
  const image = { dracutmodules: "luna", kernmodules: "", kernver: "6.1.0-9" };
  expect(dracutArgs(image, "/tmp/x", true)).toEqual([
    "--force",
    "--no-hostonly",
    "--zstd",
    "--kver",
    "6.1.0-9",
    "--add",
    "luna",
    "/tmp/x",
  ]);
});

describe("zstdInitramfs", () => {
  const tree = (files: Record<string, string>) => {
    const root = mkdtempSync(join(tmpdir(), "luna-initramfs-"));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return { root, [Symbol.dispose]: () => rmSync(root, { recursive: true, force: true }) };
  };
  const DRACUT = "usr/bin/dracut";
  const ZSTD_KERNEL = {
    "boot/config-6.1.0-9": "CONFIG_RD_GZIP=y\nCONFIG_RD_ZSTD=y\n",
    [DRACUT]: '        --zstd) compress_l="zstd" ;;\n',
  };

  test("zstd when the image's kernel unpacks it and its dracut configures no compressor", () => {
    using t = tree({
      ...ZSTD_KERNEL,
      "etc/dracut.conf": '# compress="xz"\n',
      "etc/dracut.conf.d/a.conf": "",
    });
    expect(zstdInitramfs(t.root, "6.1.0-9", DRACUT)).toBe(true);
  });

  test("dracut's default for a dracut without --zstd", () => {
    using t = tree({ ...ZSTD_KERNEL, [DRACUT]: '        --gzip) compress_l="gzip" ;;\n' });
    expect(zstdInitramfs(t.root, "6.1.0-9", DRACUT)).toBe(false);
  });

  test("dracut's default for a kernel without zstd support, an unknown kernel config or another kver", () => {
    using t = tree({
      "boot/config-4.18.0": "CONFIG_RD_GZIP=y\n# CONFIG_RD_ZSTD is not set\n",
      ...ZSTD_KERNEL,
    });
    expect(zstdInitramfs(t.root, "4.18.0", DRACUT)).toBe(false);
    expect(zstdInitramfs(t.root, "6.1.0-10", DRACUT)).toBe(false);
  });

  test("the image's own compress= setting wins, in dracut.conf or dracut.conf.d", () => {
    using a = tree({ ...ZSTD_KERNEL, "etc/dracut.conf": 'compress="xz"\n' });
    expect(zstdInitramfs(a.root, "6.1.0-9", DRACUT)).toBe(false);
    using b = tree({ ...ZSTD_KERNEL, "etc/dracut.conf.d/10-compress.conf": '  compress="lz4"\n' });
    expect(zstdInitramfs(b.root, "6.1.0-9", DRACUT)).toBe(false);
    using c = tree({ ...ZSTD_KERNEL, "etc/dracut.conf.d/10-compress.conf.off": 'compress="lz4"\n' });
    expect(zstdInitramfs(c.root, "6.1.0-9", DRACUT)).toBe(true);
  });
});
