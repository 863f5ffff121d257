/**
 * The embedded 95luna module, built into real initramfs images by this machine's dracut
 * (dracut-core, dracut-network and a kernel: .ci/run installs them). dracut reads modules
 * only from $dracutbasedir/modules.d, so each build gets a temporary dracutbasedir of
 * symlinks to /usr/lib/dracut plus the module as writeDracutModule writes it; the machine's
 * own dracut.conf is ignored. Three builds run at once:
 * - "legacy": with dracut-network's modules (95luna then takes network-legacy, with dhclient);
 * - "plain": without them, as Debian's dracut-core alone (NIC drivers from our installkernel);
 * - "no-aria2c" and "no-zstd": PATH without aria2c or zstd, which must fail the build with a
 *   message naming the tool (dracut itself only logs a tool it could not install).
 * The legacy image is then unpacked, and its hooks and tools are run in a chroot with
 * dracut's real getarg and the initramfs's own curl, bash and aria2c; and it boots qemu VMs
 * (static and DHCP) through the whole node side up to the installed system's init.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type Build,
  build,
  dracutBase,
  inChroot,
  kver,
  modulesIn,
  NETWORK_MODULE,
  pathWithout,
  writeModuleImage,
} from "../helpers/dracut-build.ts";
import { fakeDaemon, tempDir } from "../helpers/node-shell.ts";
import { bootInQemu, SMOKE_INSTALL, VM_MAC } from "../helpers/qemu-boot.ts";

const LONG = 600_000;
const work = tempDir("luna-dracut-");
afterAll(() => work[Symbol.dispose]());

let builds: Record<"legacy" | "plain" | "noAria2c" | "noZstd", Promise<Build>>;
beforeAll(() => {
  const w = work.path;
  writeModuleImage(w);
  const kernel = kver ? ["--kver", kver] : ["--no-kernel"];
  const noAria2c = pathWithout(w, "aria2c");
  const noZstd = pathWithout(w, "zstd");
  builds = {
    legacy: build(w, "legacy", { base: dracutBase(w, "base-legacy", () => true), kernel }),
    plain: build(w, "plain", {
      base: dracutBase(w, "base-plain", (m) => !NETWORK_MODULE.test(m)),
      kernel,
    }),
    noAria2c: build(w, "no-aria2c", {
      base: dracutBase(w, "base-no-aria2c", () => true),
      kernel: ["--no-kernel"],
      env: { PATH: noAria2c, DRACUT_PATH: noAria2c },
    }),
    noZstd: build(w, "no-zstd", {
      base: dracutBase(w, "base-no-zstd", () => true),
      kernel: ["--no-kernel"],
      env: { PATH: noZstd, DRACUT_PATH: noZstd },
    }),
  };
});

const OURS = [
  "usr/lib/dracut/hooks/cmdline/05-luna-parse-cmdline.sh",
  "usr/lib/dracut/hooks/pre-mount/90-luna-loader.sh",
  "usr/lib/dracut/hooks/pre-pivot/90-luna-pre-pivot.sh",
  "usr/lib/luna-lib.sh",
  "usr/lib/luna-net-lib.sh",
  "usr/lib/luna-install-lib.sh",
  "usr/sbin/luna-dhcp-script",
  "usr/bin/aria2c",
  "usr/bin/curl",
  "usr/bin/bash",
  "usr/bin/tar",
  "usr/bin/zstd",
  "usr/bin/ip",
  "usr/bin/od",
];

describe("dracut builds the 95luna module", () => {
  test("this machine has a kernel modules tree, so NIC drivers are part of the check", () => {
    // Not a skip: without /lib/modules/<kver>/modules.dep the builds run with --no-kernel and
    // this test fails, saying so. .ci/run installs linux-image-cloud-amd64 for it.
    expect(kver ? "found" : "no /lib/modules/*/modules.dep: apt-get install linux-image-cloud-amd64").toBe(
      "found",
    );
  });

  test(
    "with dracut-network: our hooks, libraries, tools and network-legacy's dhclient",
    async () => {
      const b = await builds.legacy;
      expect(b.log).not.toMatch(/FAILED|ERROR|luna: '/);
      expect(b.code).toBe(0);
      for (const path of [...OURS, "usr/sbin/dhclient"]) expect(b.list).toContain(` ${path}`);
      expect(b.list).toMatch(/^-rwxr-xr-x .* usr\/sbin\/luna-dhcp-script$/m);
      expect(modulesIn(b)).toEqual(
        expect.arrayContaining(["luna", "network-legacy", "network", "kernel-network-modules"]),
      );
      if (kver) expect(b.list).toMatch(/drivers\/net\/virtio_net\.ko[\s\S]*drivers\/virtio\/virtio_pci\.ko/);
    },
    LONG,
  );

  test(
    "with dracut-core alone: no network module, NIC drivers from our installkernel",
    async () => {
      const b = await builds.plain;
      expect(b.code).toBe(0);
      for (const path of OURS) expect(b.list).toContain(` ${path}`);
      const modules = modulesIn(b);
      expect(modules).toContain("luna");
      expect(modules.filter((m) => NETWORK_MODULE.test(m))).toEqual([]);
      if (kver) expect(b.list).toMatch(/drivers\/net\/virtio_net\.ko[\s\S]*drivers\/virtio\/virtio_pci\.ko/);
    },
    LONG,
  );

  test(
    "without aria2c the build fails and says which tool and package are missing",
    async () => {
      const b = await builds.noAria2c;
      expect(b.code).not.toBe(0);
      expect(b.log).toContain("luna: 'aria2c' is not installed in the image");
      expect(b.log).toContain("package 'aria2'");
      expect(existsSync(b.image)).toBe(false);
    },
    LONG,
  );

  test(
    "without zstd the build fails too: every node would fail to unpack the image",
    async () => {
      const b = await builds.noZstd;
      expect(b.code).not.toBe(0);
      expect(b.log).toContain("luna: 'zstd' is not installed in the image");
      expect(existsSync(b.image)).toBe(false);
    },
    LONG,
  );
});

describe("the built initramfs, run in a chroot", () => {
  let root = "";
  const run = (script: string, env: Record<string, string> = {}) => inChroot(root, script, env);

  test(
    "unpacks (as root, which chroot needs)",
    async () => {
      expect(process.getuid?.()).toBe(0);
      const b = await builds.legacy;
      expect(b.code).toBe(0);
      root = join(work.path, "unpacked");
      mkdirSync(join(root), { recursive: true });
      const u = Bun.spawnSync(["lsinitrd", "--unpack", b.image], { cwd: root });
      expect(u.exitCode).toBe(0);
      expect(existsSync(join(root, "usr/lib/dracut-lib.sh"))).toBe(true);
      mkdirSync(join(root, "etc/cmdline.d"), { recursive: true });
    },
    LONG,
  );

  // init.sh's own steps: source every cmdline hook, then the two checks it dies on.
  const CMDLINE_STEP = `. /lib/dracut-lib.sh; source_hook cmdline
[ -z "$root" ] && die "No or empty root= argument"; [ -z "$rootok" ] && die "Don't know how to handle 'root=$root'"
echo "root=$root rootok=$rootok"; cat /tmp/luna.env`;
  const CASES: [string, string, number, RegExp][] = [
    [
      "root=luna passes dracut's root checks and leaves the settings",
      "root=luna luna.url=http://10.30.255.254:7050/luna luna.node=node001 luna.mac=52:54:00:00:00:01 luna.ip=10.30.0.1/16 luna.bootproto=static luna.service=0",
      0,
      /^root=luna rootok=1\nexport LUNA_URL='http:\/\/10.30.255.254:7050\/luna'\nexport LUNA_NODE='node001'\n.*\nexport LUNA_MAC='52:54:00:00:00:01'\nexport LUNA_IP='10.30.0.1\/16'\nexport LUNA_BOOTPROTO='static'\n/,
    ],
    [
      "a quoted argument with spaces is read by dracut's getarg",
      `root=luna luna.url=http://h/luna "luna.node=n 1"`,
      1,
      /not a valid node name: 'n 1'/,
    ],
    [
      "a missing luna.node stops the boot with the reason",
      "root=luna luna.url=http://h/luna",
      1,
      /luna: root=luna needs luna\.node=.*\nluna: FATAL: bad luna\.\* kernel arguments/s,
    ],
    // Only 95rootfs-block (not in this -m "base luna" image) would take it: dracut's own die.
    [
      "another root is left to dracut",
      "root=/dev/sda1 quiet",
      1,
      /FATAL: Don't know how to handle 'root=\/dev\/sda1'/,
    ],
  ];
  for (const [what, cmdline, code, expected] of CASES) {
    test(what, async () => {
      // die writes to /dev/kmsg: a plain file here, as /dev of the unpacked image is empty.
      for (const f of ["tmp/luna.env", "dev/kmsg"]) rmSync(join(root, f), { force: true });
      writeFileSync(join(root, "etc/cmdline.d/90-test.conf"), `${cmdline}\n`);
      const r = await run(CMDLINE_STEP);
      expect(r.code).toBe(code);
      const kmsg = existsSync(join(root, "dev/kmsg")) ? readFileSync(join(root, "dev/kmsg"), "utf8") : "";
      expect(code === 0 ? r.stdout : r.stderr + kmsg).toMatch(expected);
      if (code !== 0) expect(existsSync(join(root, "tmp/luna.env"))).toBe(false);
    });
  }

  test("its curl, aria2c, zstd, tar and bash run (their libraries came along)", async () => {
    for (const tool of [
      "curl --version",
      "aria2c --version",
      "zstd --version",
      "tar --version",
      "bash --version",
    ]) {
      const r = await run(tool);
      expect(`${tool}: ${r.code}`).toBe(`${tool}: 0`);
    }
  });

  test("the install step fetches and runs the node's script with the initramfs's own tools", async () => {
    using daemon = fakeDaemon(
      '#!/bin/bash\naria2c --version > /dev/null && zstd -q --version && echo "ok $LUNA_NODE" > "$LUNA_ROOT/marker"\n',
    );
    const r = await run(". /lib/luna-lib.sh; . /lib/luna-install-lib.sh; luna_install", {
      LUNA_URL: daemon.url,
      LUNA_NODE: "node001",
      LUNA_ROOT: "/sysroot",
      LUNA_PAUSE: "0",
    });
    expect(r.code).toBe(0);
    expect(daemon.seen).toEqual(["?step=install&node=node001"]);
    expect(readFileSync(join(root, "sysroot/marker"), "utf8")).toBe("ok node001\n");
  });

  test("the pre-pivot hook refuses an empty /sysroot, tells the daemon, then accepts a root", async () => {
    using daemon = fakeDaemon("");
    writeFileSync(
      join(root, "tmp/luna.env"),
      `export LUNA_URL='${daemon.url}'\nexport LUNA_NODE='node001'\n`,
    );
    rmSync(join(root, "sysroot"), { recursive: true, force: true });
    mkdirSync(join(root, "sysroot"));
    const hook = ". /lib/dracut-lib.sh; . /lib/dracut/hooks/pre-pivot/90-luna-pre-pivot.sh";
    const bad = await run(hook, { NEWROOT: "/sysroot" });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("luna: FATAL: /sysroot is not a usable root (no /etc)");
    expect(daemon.seen).toEqual(["?step=install&node=node001&status=install.error.root"]);
    for (const d of ["etc", "usr/sbin"]) mkdirSync(join(root, "sysroot", d), { recursive: true });
    writeFileSync(join(root, "sysroot/usr/sbin/init"), "#!/bin/sh\n", { mode: 0o755 });
    symlinkSync("usr/sbin", join(root, "sysroot/sbin"));
    const good = await run(hook, { NEWROOT: "/sysroot" });
    expect(good).toEqual({ code: 0, stdout: "", stderr: "" });
  });
});

describe("the built initramfs boots a VM through the install", () => {
  const hasQemu = Bun.which("qemu-system-x86_64") !== null;
  const BOOTS: [string, string, string][] = [
    [
      "static",
      `luna.mac=${VM_MAC} luna.ip=10.0.2.15/24 luna.bootproto=static`,
      `luna: boot interface eth0 (${VM_MAC}) has 10.0.2.15/24`,
    ],
    ["dhcp", "luna.bootproto=dhcp", "luna: DHCP lease 10.0.2.15/24 on eth0"],
  ];
  for (const [proto, args, netLine] of BOOTS) {
    test(
      `${proto}: network, install script, pre-pivot check, switch_root, the image's init`,
      async () => {
        expect(hasQemu ? "qemu" : "no qemu-system-x86_64: apt-get install qemu-system-x86").toBe("qemu");
        expect(kver ? "kernel" : "no kernel to boot (see above)").toBe("kernel");
        const b = await builds.legacy;
        expect(b.code).toBe(0);
        using daemon = fakeDaemon(SMOKE_INSTALL);
        const port = new URL(daemon.url).port;
        const boot = await bootInQemu({
          kernel: `/boot/vmlinuz-${kver}`,
          initrd: b.image,
          append: `root=luna luna.url=http://10.0.2.2:${port}/luna luna.node=node001 luna.hostname=node001.cluster ${args} luna.service=0`,
          dir: work.path,
          name: proto,
          limitMs: 300_000,
        });
        const lines = boot.console.split("\n").filter((l) => /luna|LUNA|dracut: (FATAL|Switching)/.test(l));
        expect({ timedOut: boot.timedOut, code: boot.code, lines }).toMatchObject({
          timedOut: false,
          code: 0,
        });
        const order = [
          netLine,
          "luna: install finished",
          "luna: released eth0",
          "dracut: Switching root",
          "LUNA-BOOTED pid=1 host=node001.cluster",
        ];
        const at = order.map((s) => boot.console.indexOf(s));
        expect(at.map((i, n) => `${order[n]}: ${i >= 0 && (n === 0 || i > (at[n - 1] ?? 0))}`)).toEqual(
          order.map((s) => `${s}: true`),
        );
        expect(daemon.seen).toEqual([
          "?step=install&node=node001",
          "?step=install&node=node001&status=install.success",
        ]);
      },
      LONG,
    );
  }
});
