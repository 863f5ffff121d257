/**
 * `luna self-install`: lays out a head node from the one binary — the binary in
 * <prefix>/sbin with its lweb/ltorrent/lpower links, the `luna` user the daemon runs as,
 * /opt/luna/{boot,torrents}, /var/lib/luna and /var/log/luna (owned by luna, 0750), the
 * systemd unit, a default config (0640 root:luna: it may hold a MongoDB password), and the
 * iPXE ROMs from Debian's `ipxe` package under the names `makedhcp` hands out, plus an arm64
 * iPXE EFI build the operator gives (Debian has none), checked to be one. With --destdir
 * everything goes under that folder (packaging, tests, OS images): the user is created only
 * when that folder has its own etc/passwd, and otherwise the output says what to run.
 */
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { ARCH_HEADER_BYTES, binaryArch } from "../domain/boot/arch.ts";
import { AppError } from "../domain/errors.ts";
import { commitFile } from "../lib/atomic-write.ts";
import { IPXE_ARM64 } from "../netsvc/dhcpd.ts";
import { type Account, ensureAccount } from "./luna-user.ts";
import { renderUnit } from "./unit.ts";

export interface SelfInstallOptions {
  binary: string;
  destdir: string;
  prefix: string;
  tftproot: string;
  ipxeDir: string;
  /** an arm64 iPXE EFI binary to install as IPXE_ARM64 */
  ipxeArm64?: string;
  log: (line: string) => void;
}

const ROMS: [string, string][] = [
  ["undionly.kpxe", "luna_undionly.kpxe"],
  ["ipxe.efi", "luna_ipxe.efi"],
];

const CONF = "/etc/luna/luna.conf";
const DEFAULT_CONF =
  '# luna configuration (TOML). Flags beat LUNA_* variables, which beat this file.\nstore = "sqlite:/var/lib/luna/luna.db"\n\n[daemon]\nhost = "0.0.0.0"\nport = 7050\n';

export function selfInstall(o: SelfInstallOptions): { warnings: string[] } {
  // Folders and files get exactly the modes below, whatever the caller's umask (077 is common).
  const umask = process.umask(0o022);
  try {
    return install(o);
  } finally {
    process.umask(umask);
  }
}

function install(o: SelfInstallOptions): { warnings: string[] } {
  // Checked before anything is written: a wrong file leaves the head node as it was.
  const arm64 = o.ipxeArm64 === undefined ? undefined : checkedArm64Efi(o.ipxeArm64);
  const warnings: string[] = [];
  const at = (p: string) => join(o.destdir || "/", p);
  const sbin = at(join(o.prefix, "sbin"));
  mkdirSync(sbin, { recursive: true });
  const target = join(sbin, "luna");
  copyFileSync(o.binary, `${target}.new`);
  // Renamed over the old binary so a running daemon keeps its (now unlinked) file.
  commitFile(`${target}.new`, target, { mode: 0o755 });
  o.log(`installed ${target}`);
  for (const link of ["lweb", "ltorrent", "lpower"]) {
    rmSync(join(sbin, link), { force: true });
    symlinkSync("luna", join(sbin, link));
  }
  o.log(`linked lweb, ltorrent, lpower → luna in ${sbin}`);
  for (const [dir, mode] of [
    ["/opt/luna", 0o755],
    ["/opt/luna/boot", 0o755],
    ["/opt/luna/torrents", 0o755],
    ["/var/lib/luna", 0o750],
    ["/var/log/luna", 0o750],
    ["/etc/luna", 0o755],
    [o.tftproot, 0o755],
  ] as const) {
    mkdirSync(at(dir), { recursive: true, mode });
    chmodSync(at(dir), mode);
  }
  const user = ensureAccount(o.destdir || "/");
  if (user.account) {
    if (user.created) o.log(`created the system user luna (uid ${user.account.uid})`);
    handOver(at, user.account, o.log);
  } else {
    // The package's scripts (or systemd's StateDirectory) hand the state over; the config
    // stays root's alone until then.
    const line = `${user.reason}; then: chown -R luna:luna /var/lib/luna /var/log/luna; chgrp luna ${CONF}`;
    if (o.destdir) o.log(line);
    else warnings.push(line);
  }
  const conf = at(CONF);
  if (!existsSync(conf)) writeFileSync(conf, DEFAULT_CONF, { mode: 0o600, flag: "wx" });
  // Readable by the daemon's group and no one else, also when an older install left it 0644.
  if (user.account && process.getuid?.() === 0) chownSync(conf, 0, user.account.gid);
  chmodSync(conf, user.account ? 0o640 : 0o600);
  o.log(`${conf} is ${user.account ? "0640 root:luna" : "0600 root"}`);
  const unitDir = at("/etc/systemd/system");
  mkdirSync(unitDir, { recursive: true });
  writeFileSync(
    join(unitDir, "luna.service"),
    renderUnit({ exec: join(o.prefix, "sbin", "luna"), config: CONF }),
  );
  o.log(`wrote ${join(unitDir, "luna.service")} (runs as luna)`);
  for (const [from, to] of ROMS) {
    const src = join(o.ipxeDir, from);
    if (existsSync(src)) copyFileSync(src, at(join(o.tftproot, to)));
    else
      warnings.push(
        `${src} not found: install Debian's ipxe package (apt-get install ipxe) and run self-install again`,
      );
  }
  if (arm64 !== undefined) {
    const to = at(join(o.tftproot, IPXE_ARM64));
    copyFileSync(arm64, to);
    chmodSync(to, 0o644);
    o.log(`installed ${arm64} as ${to} (arm64 UEFI nodes)`);
  }
  return { warnings };
}

/** The file, if it is an arm64 EFI application; what it is instead, as an error. */
function checkedArm64Efi(file: string): string {
  let head: Uint8Array;
  try {
    head = new Uint8Array(readFileSync(file).subarray(0, ARCH_HEADER_BYTES));
  } catch (e) {
    throw new AppError(
      "NOT_FOUND",
      `Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      "Give the arm64 iPXE EFI binary you built (make bin-arm64-efi/ipxe.efi in ipxe's src)",
    );
  }
  const arch = binaryArch(head);
  const pe = head[0] === 0x4d && head[1] === 0x5a;
  if (!pe || arch !== "arm64") {
    throw new AppError(
      "INVALID_ARGUMENT",
      `${file} is not an arm64 EFI binary (${pe ? `its PE header says ${arch ?? "another architecture"}` : "no PE header"})`,
      "Give an arm64 iPXE EFI build (make bin-arm64-efi/ipxe.efi in ipxe's src)",
    );
  }
  return file;
}

/**
 * The state and log folders belong to luna, and so do the files directly in the state folder
 * (a store the root CLI created before this install ran as root, an upgrade from a root daemon).
 */
function handOver(at: (p: string) => string, a: Account, log: (line: string) => void): void {
  if (process.getuid?.() !== 0) return;
  for (const dir of ["/var/lib/luna", "/var/log/luna"]) {
    chownSync(at(dir), a.uid, a.gid);
    for (const f of readdirSync(at(dir))) {
      const path = join(at(dir), f);
      if (lstatSync(path).isFile()) chownSync(path, a.uid, a.gid);
    }
  }
  log("/var/lib/luna and /var/log/luna belong to luna");
}
