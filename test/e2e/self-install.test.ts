/**
 * The head-node install path: `luna self-install --destdir` lays out the binary, its links,
 * folders with their modes, the systemd unit, a default config and the iPXE ROMs from Debian's
 * ipxe package (installed by .ci/run), and the installed links work. Modes, owners and the
 * unit's confinement are checked closely in test/security/self-install.slow.test.ts.
 */
import { expect, test } from "bun:test";
import { existsSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { arm64Image, peHeader } from "../helpers/arch-files.ts";
import { sandbox } from "../helpers/luna.ts";

test("self-install lays out a head node under a destdir", async () => {
  await using box = await sandbox();
  const dest = join(box.dir, "root");
  const r = await box.luna(["self-install", "--destdir", dest]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const sbin = join(dest, "usr/local/sbin");
  expect(statSync(join(sbin, "luna")).mode & 0o777).toBe(0o755);
  for (const link of ["lweb", "ltorrent", "lpower"]) expect(readlinkSync(join(sbin, link))).toBe("luna");
  expect(statSync(join(dest, "var/lib/luna")).mode & 0o777).toBe(0o750);
  for (const d of ["opt/luna/boot", "opt/luna/torrents", "var/log/luna", "etc/luna"])
    expect(existsSync(join(dest, d))).toBe(true);
  const unit = readFileSync(join(dest, "etc/systemd/system/luna.service"), "utf8");
  expect(unit).toContain("ExecStart=/usr/local/sbin/luna daemon");
  expect(unit).toContain("Restart=on-failure");
  expect(readFileSync(join(dest, "etc/luna/luna.conf"), "utf8")).toContain(
    'store = "sqlite:/var/lib/luna/luna.db"',
  );
  expect(readFileSync(join(dest, "srv/tftp/luna_undionly.kpxe"))).toEqual(
    readFileSync("/usr/lib/ipxe/undionly.kpxe"),
  );
  expect(readFileSync(join(dest, "srv/tftp/luna_ipxe.efi"))).toEqual(readFileSync("/usr/lib/ipxe/ipxe.efi"));
  const viaLink = Bun.spawnSync([join(sbin, "lweb"), "status", "--pidfile", join(box.dir, "none.pid")]);
  expect(viaLink.stdout.toString()).toContain("luna daemon is not running");
  expect(viaLink.exitCode).toBe(3);
});

test("self-install --ipxe-arm64 installs an arm64 EFI build and refuses anything else", async () => {
  await using box = await sandbox();
  const arm64 = join(box.dir, "ipxe-arm64.efi");
  writeFileSync(arm64, peHeader(0xaa64));
  const dest = join(box.dir, "root");
  const r = await box.luna(["self-install", "--destdir", dest, "--ipxe-arm64", arm64]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`installed ${arm64} as ${dest}/srv/tftp/luna_ipxe_arm64.efi (arm64 UEFI nodes)`);
  expect(readFileSync(join(dest, "srv/tftp/luna_ipxe_arm64.efi"))).toEqual(readFileSync(arm64));
  expect(statSync(join(dest, "srv/tftp/luna_ipxe_arm64.efi")).mode & 0o777).toBe(0o644);

  // Debian's x86-64 build, an arm64 kernel and a missing file: refused before anything is written.
  const other = join(box.dir, "other");
  const x86 = await box.luna([
    "self-install",
    "--destdir",
    other,
    "--ipxe-arm64",
    "/usr/lib/ipxe/snponly.efi",
  ]);
  expect(x86).toEqual({
    code: 2,
    stdout: "",
    stderr:
      "luna: /usr/lib/ipxe/snponly.efi is not an arm64 EFI binary (its PE header says x86_64). " +
      "Give an arm64 iPXE EFI build (make bin-arm64-efi/ipxe.efi in ipxe's src)\n",
  });
  writeFileSync(join(box.dir, "vmlinuz"), Bun.gzipSync(arm64Image(4096)));
  const kernel = await box.luna([
    "self-install",
    "--destdir",
    other,
    "--ipxe-arm64",
    join(box.dir, "vmlinuz"),
  ]);
  expect(kernel.code).toBe(2);
  expect(kernel.stderr).toContain("is not an arm64 EFI binary (no PE header)");
  const missing = await box.luna(["self-install", "--destdir", other, "--ipxe-arm64", join(box.dir, "nope")]);
  expect(missing.code).toBe(3);
  expect(missing.stderr).toStartWith(`luna: Cannot read ${join(box.dir, "nope")}: ENOENT. `);
  expect(existsSync(other)).toBe(false);
});
