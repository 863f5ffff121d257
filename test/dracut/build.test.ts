/**
 * The embedded 95luna module builds into a real initramfs with this machine's dracut
 * (dracut-core, installed by .ci/run): the module is written by writeDracutModule into a copy
 * of dracut's module folder, dracut runs without a kernel (the test machine has none), and the
 * image must hold our hooks, library, aria2c and curl. A module that lacks aria2c fails the
 * build with a message naming it.
 */
import { expect, test } from "bun:test";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeDracutModule } from "../../src/pack/dracut-module.ts";
import { dracutArgs } from "../../src/pack/initramfs.ts";

test("the embedded 95luna module builds into an initramfs with its hooks, aria2c and curl", async () => {
  const dir = mkdtempSync(join(tmpdir(), "luna-dracut-"));
  try {
    const base = join(dir, "dracut");
    cpSync("/usr/lib/dracut", base, { recursive: true });
    const written = writeDracutModule(join(base, "modules.d"));
    expect(written).toHaveLength(4);
    const out = join(dir, "initrd.img");
    const build = Bun.spawn(
      [
        "dracut",
        "--no-kernel",
        "--no-hostonly",
        "--force",
        "-m",
        "base luna",
        "--gzip",
        "--tmpdir",
        dir,
        out,
      ],
      {
        env: { ...process.env, dracutbasedir: base },
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    const [code, err] = await Promise.all([build.exited, new Response(build.stderr).text()]);
    expect(err).not.toContain("luna: '");
    expect(code).toBe(0);
    const list = Bun.spawnSync(["lsinitrd", out]).stdout.toString();
    for (const path of [
      "hooks/cmdline/05-luna-parse-cmdline.sh",
      "hooks/mount/90-luna-loader.sh",
      "usr/lib/luna-lib.sh",
      "bin/aria2c",
      "bin/curl",
      "bin/zstd",
    ]) {
      expect(list).toContain(path);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("dracut arguments follow the osimage's dracut and kernel module lists", () => {
  expect(
    dracutArgs(
      { dracutmodules: "luna,-i18n,-plymouth", kernmodules: "ipmi_si,-floppy", kernver: "6.1.0-9" },
      "/tmp/x",
    ),
  ).toEqual([
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
