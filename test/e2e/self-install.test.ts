/**
 * The head-node install path: `luna self-install --destdir` lays out the binary, its links,
 * folders with their modes, the systemd unit, a default config and the iPXE ROMs from Debian's
 * ipxe package (installed by .ci/run), and the installed links work. Modes, owners and the
 * unit's confinement are checked closely in test/security/self-install.test.ts.
 */
import { expect, test } from "bun:test";
import { existsSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { join } from "node:path";
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
