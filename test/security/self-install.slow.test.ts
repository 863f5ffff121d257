/**
 * Issue 13, item 10 (self-install) and item "local users are not root": `luna self-install`
 * writes no secret where other users read it and installs a unit that runs the daemon as the
 * `luna` system user with one capability and systemd's hardening. User creation is tested in
 * an OS tree with its own etc/passwd (useradd --prefix edits that tree only): creating a user
 * on the test machine itself is not done here, so the plain `self-install` (no --destdir) path
 * differs from the tested one only by that --prefix. Needs root (chown, useradd) and
 * systemd-analyze (Debian's systemd package, installed by .ci/run).
 */
import { expect, test } from "bun:test";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sandbox } from "../helpers/luna.ts";

const mode = (path: string) => statSync(path).mode & 0o777;

/** The unit's `Key=value` lines, all of them (a key may repeat). */
const keys = (unit: string) =>
  unit
    .split("\n")
    .filter((l) => /^[A-Za-z]+=/.test(l))
    .map((l) => l.trim());

test("self-install under a packaging destdir writes luna.conf 0600 and a unit that runs as luna, confined", async () => {
  await using box = await sandbox();
  const dest = join(box.dir, "root");
  const r = await box.sh(`umask 000; luna self-install --destdir ${dest}`);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  // no etc/passwd in a packaging tree: no user, and the output says what the package must do
  expect(r.stdout).toContain("the luna user is not created");
  expect(r.stdout).toContain("useradd --system --user-group --home-dir /var/lib/luna");
  expect(mode(join(dest, "etc/luna/luna.conf"))).toBe(0o600);
  expect(mode(join(dest, "var/lib/luna"))).toBe(0o750);
  expect(mode(join(dest, "var/log/luna"))).toBe(0o750);
  for (const d of ["opt/luna", "opt/luna/boot", "opt/luna/torrents", "etc/luna"])
    expect(mode(join(dest, d))).toBe(0o755);

  const unitPath = join(dest, "etc/systemd/system/luna.service");
  const unit = readFileSync(unitPath, "utf8");
  expect(keys(unit)).toEqual(
    expect.arrayContaining([
      "User=luna",
      "Group=luna",
      "AmbientCapabilities=CAP_NET_BIND_SERVICE",
      "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
      "NoNewPrivileges=yes",
      "ProtectSystem=strict",
      "StateDirectory=luna",
      "StateDirectoryMode=0750",
      "RuntimeDirectory=luna",
      "RuntimeDirectoryMode=0700",
      "ProtectHome=yes",
      "PrivateTmp=yes",
      "UMask=0027",
      "ExecStart=/usr/local/sbin/luna daemon",
      "Environment=LUNA_CONFIG=/etc/luna/luna.conf",
    ]),
  );
  // one capability, no secret, nothing that breaks the JIT
  expect(keys(unit).filter((l) => l.includes("CAP_"))).toHaveLength(2);
  expect(unit).not.toMatch(/password|secret|token|mongodb:|MemoryDenyWriteExecute|User=root/i);
  expect(mode(unitPath)).toBe(0o644);

  // systemd accepts every line (an unknown key is only a warning: stderr must be empty too).
  // ExecStart must exist on this machine for verify, so it names the binary inside destdir.
  const copy = join(box.dir, "verify", "luna.service");
  mkdirSync(join(box.dir, "verify"));
  writeFileSync(
    copy,
    unit.replace("ExecStart=/usr/local/sbin/luna", `ExecStart=${dest}/usr/local/sbin/luna`),
  );
  const verify = Bun.spawnSync(["systemd-analyze", "verify", copy]);
  expect(verify.stderr.toString()).toBe("");
  expect(verify.exitCode).toBe(0);
});

test("self-install into an OS tree creates the luna system user there and hands it the state", async () => {
  expect(process.getuid?.()).toBe(0); // chown and useradd; CI runs as root
  await using box = await sandbox();
  const dest = join(box.dir, "image");
  mkdirSync(join(dest, "etc/luna"), { recursive: true });
  writeFileSync(join(dest, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
  writeFileSync(join(dest, "etc/group"), "root:x:0:\n");
  writeFileSync(join(dest, "etc/shadow"), "root:*:19000:0:99999:7:::\n", { mode: 0o600 });
  writeFileSync(join(dest, "etc/gshadow"), "root:*::\n", { mode: 0o600 });
  // an older install: a world-readable config holding a password, and a store made by root
  const secretConf = 'store = "mongodb://luna:s3cret@db1/luna?replicaSet=rs0"\n';
  writeFileSync(join(dest, "etc/luna/luna.conf"), secretConf);
  chmodSync(join(dest, "etc/luna/luna.conf"), 0o644);
  mkdirSync(join(dest, "var/lib/luna"), { recursive: true, mode: 0o700 });
  writeFileSync(join(dest, "var/lib/luna/luna.db"), "", { mode: 0o600 });

  const r = await box.luna(["self-install", "--destdir", dest]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const line = readFileSync(join(dest, "etc/passwd"), "utf8")
    .split("\n")
    .find((l) => l.startsWith("luna:"));
  const [, , uid, gid, , home, shell] = (line ?? "").split(":");
  expect({ home, shell }).toEqual({ home: "/var/lib/luna", shell: "/usr/sbin/nologin" });
  expect(Number(uid)).toBeLessThan(1000); // a system user
  expect(readFileSync(join(dest, "etc/group"), "utf8")).toContain(`luna:x:${gid}:`);
  expect(r.stdout).toContain(`created the system user luna (uid ${uid})`);

  const owner = (p: string) => {
    const s = statSync(join(dest, p));
    return `${s.uid}:${s.gid} ${(s.mode & 0o777).toString(8)}`;
  };
  expect(owner("var/lib/luna")).toBe(`${uid}:${gid} 750`);
  expect(owner("var/lib/luna/luna.db")).toBe(`${uid}:${gid} 600`);
  expect(owner("var/log/luna")).toBe(`${uid}:${gid} 750`);
  // readable by the daemon's group only; the content is kept
  expect(owner("etc/luna/luna.conf")).toBe(`0:${gid} 640`);
  expect(readFileSync(join(dest, "etc/luna/luna.conf"), "utf8")).toBe(secretConf);

  // again: the user is found, not created twice
  const again = await box.luna(["self-install", "--destdir", dest]);
  expect(again.stderr).toBe("");
  expect(again.code).toBe(0);
  expect(again.stdout).not.toContain("created the system user");
  expect(readFileSync(join(dest, "etc/passwd"), "utf8").match(/^luna:/gm)).toHaveLength(1);
});
