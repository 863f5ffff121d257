/**
 * `luna self-install`: lays out a head node from the one binary — the binary in
 * <prefix>/sbin with its lweb/ltorrent/lpower links, the `luna` user, /opt/luna/{boot,torrents},
 * /var/lib/luna (0700), /var/log/luna, the systemd unit, a default config, and the iPXE ROMs
 * from Debian's `ipxe` package under the names `makedhcp` hands out. With --destdir everything
 * goes under that folder (packaging, tests) and no user is created.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderUnit } from "./unit.ts";

export interface SelfInstallOptions {
  binary: string;
  destdir: string;
  prefix: string;
  tftproot: string;
  ipxeDir: string;
  log: (line: string) => void;
}

const ROMS: [string, string][] = [
  ["undionly.kpxe", "luna_undionly.kpxe"],
  ["ipxe.efi", "luna_ipxe.efi"],
];

export function selfInstall(o: SelfInstallOptions): { warnings: string[] } {
  const warnings: string[] = [];
  const at = (p: string) => join(o.destdir || "/", p);
  const sbin = at(join(o.prefix, "sbin"));
  mkdirSync(sbin, { recursive: true });
  const target = join(sbin, "luna");
  copyFileSync(o.binary, `${target}.new`);
  chmodSync(`${target}.new`, 0o755);
  // Rename over the old binary so a running daemon keeps its (now unlinked) file.
  Bun.spawnSync(["mv", "-f", `${target}.new`, target]);
  o.log(`installed ${target}`);
  for (const link of ["lweb", "ltorrent", "lpower"]) {
    rmSync(join(sbin, link), { force: true });
    symlinkSync("luna", join(sbin, link));
  }
  o.log(`linked lweb, ltorrent, lpower → luna in ${sbin}`);
  for (const [dir, mode] of [
    ["/opt/luna/boot", 0o755],
    ["/opt/luna/torrents", 0o755],
    ["/var/lib/luna", 0o700],
    ["/var/log/luna", 0o750],
    ["/etc/luna", 0o755],
    [o.tftproot, 0o755],
  ] as const) {
    mkdirSync(at(dir), { recursive: true, mode });
    chmodSync(at(dir), mode);
  }
  const conf = at("/etc/luna/luna.conf");
  if (!existsSync(conf)) {
    writeFileSync(
      conf,
      '# luna configuration (TOML). Flags beat LUNA_* variables, which beat this file.\nstore = "sqlite:/var/lib/luna/luna.db"\n\n[daemon]\nhost = "0.0.0.0"\nport = 7050\n',
    );
  }
  const unitDir = at("/etc/systemd/system");
  mkdirSync(unitDir, { recursive: true });
  writeFileSync(
    join(unitDir, "luna.service"),
    renderUnit({ exec: join(o.prefix, "sbin", "luna"), config: "/etc/luna/luna.conf" }),
  );
  o.log(`wrote ${join(unitDir, "luna.service")}`);
  for (const [from, to] of ROMS) {
    const src = join(o.ipxeDir, from);
    if (existsSync(src)) copyFileSync(src, at(join(o.tftproot, to)));
    else
      warnings.push(
        `${src} not found: install Debian's ipxe package (apt-get install ipxe) and run self-install again`,
      );
  }
  if (!o.destdir) {
    const exists = Bun.spawnSync(["id", "-u", "luna"]).exitCode === 0;
    if (!exists) {
      const r = Bun.spawnSync([
        "useradd",
        "--system",
        "--home-dir",
        "/opt/luna",
        "--shell",
        "/usr/sbin/nologin",
        "luna",
      ]);
      if (r.exitCode !== 0) warnings.push(`could not create the luna user: ${r.stderr.toString().trim()}`);
    }
  } else {
    o.log("--destdir given: the luna user is not created");
  }
  return { warnings };
}
