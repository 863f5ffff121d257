/**
 * Real boot, end to end: two diskless qemu VMs network-boot at the same time through qemu's
 * iPXE ROM from the compiled `luna daemon` (DHCP by dnsmasq from `luna cluster makedhcp
 * --format dnsmasq`), get kernel + dracut initramfs (95luna), run the install script, fetch a
 * real Debian image (scripts/make-test-image, packed by `luna osimage pack`) over BitTorrent
 * from the head node's seeder and from each other into a tmpfs /sysroot, switch root, and the
 * installed system's marker unit reports `booted` and powers off. Needs root, qemu, dnsmasq,
 * debootstrap and the Debian mirror (for the first image build); bounded to 10 minutes.
 */
import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lunaBinary } from "../helpers/luna.ts";
import { createLab, exclusiveLock, grep, missingTools, tail } from "../helpers/vm-lab.ts";

const ROOT = join(import.meta.dir, "..", "..");
const HEAD = "10.30.255.254";
const URL = `http://${HEAD}:7050/luna`;
const BOOT_LIMIT_MS = 10 * 60_000;
/** how long to wait for another VM test on this machine (see exclusiveLock) */
const LOCK_LIMIT_MS = 20 * 60_000;
const VMS = [
  { name: "node001", mac: "52:54:00:4c:00:01" },
  { name: "node002", mac: "52:54:00:4c:00:02" },
];

// Runs in `npm run check` when the machine can (root, qemu, dnsmasq, debootstrap): `.ci/run`
// installs all of it, and under CI a missing piece fails the test instead of skipping it. On a
// developer machine without them it is reported as skipped, never as passed.
const missing = process.getuid?.() === 0 ? missingTools() : ["root"];
const mustRun = process.env.CI === "true" || process.env.LUNA_TEST_VM === "1";
if (missing.length > 0)
  console.warn(`vm-boot: ${mustRun ? "cannot run" : "skipped"}, missing ${missing.join(", ")}`);

interface Stage {
  step: string;
  time: string;
}

test.skipIf(missing.length > 0 && !mustRun)(
  "two VMs network-boot from luna daemon, install over BitTorrent and run the image",
  async () => {
    expect(missing).toEqual([]);
    const started = performance.now();
    const cache = process.env.LUNA_TEST_IMAGE_CACHE || "/var/cache/luna-test-image";
    mkdirSync(cache, { recursive: true });
    const unlock = await exclusiveLock(join(cache, ".vm-test.lock"), LOCK_LIMIT_MS);
    try {
      await bootTwoVms(started);
    } finally {
      await unlock();
    }
  },
  { timeout: LOCK_LIMIT_MS + BOOT_LIMIT_MS + 10 * 60_000 },
);

async function bootTwoVms(started: number): Promise<void> {
  const secs = (from: number) => ((performance.now() - from) / 1000).toFixed(1);
  const image = Bun.spawnSync([join(ROOT, "scripts", "make-test-image")], { stderr: "inherit" });
  expect(image.exitCode).toBe(0);
  const rootfs = image.stdout.toString().trim();
  console.log(`vm-boot: test image ${rootfs} ready after ${secs(started)} s`);

  const luna = await lunaBinary();
  const dir = mkdtempSync(join(tmpdir(), "luna-vm-"));
  const env = { ...process.env, LUNA_STORE: `sqlite:${join(dir, "luna.db")}`, LUNA_CONFIG: "" };
  const cli = (args: string[], stdin?: string) => {
    const r = Bun.spawnSync([luna, ...args], {
      env,
      stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin),
    });
    if (r.exitCode !== 0) throw new Error(`luna ${args.join(" ")} → ${r.exitCode}: ${r.stderr}`);
    return r.stdout.toString();
  };
  const lab = await createLab({
    id: String(process.pid % 100000),
    dir,
    vms: VMS.length,
    headIp4: HEAD,
    prefix4: 16,
    headIp6: "fd00:30::fffe",
    prefix6: 64,
    headMbit: 200,
    memoryMB: 1024,
  });
  // An interrupted run (Ctrl-C, CI timeout) still removes the VMs, daemon and namespace.
  const interrupted = () => void lab.destroy().finally(() => process.exit(130));
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    cli(["cluster", "init", "--frontend_address", HEAD, "--path", join(dir, "opt")]);
    cli(["cluster", "change", "--tracker_interval", "5", "--tracker_min_interval", "2"]);
    cli(["network", "add", "-n", "cluster", "-N", "10.30.0.0", "-P", "16"]);
    // An IPv6 network on the boot interface makes the generated dnsmasq config send router
    // adverts: without them iPXE waits ~16 s for IPv6 autoconfiguration on every boot.
    cli(["network", "add", "-n", "cluster6", "-N", "fd00:30::", "-P", "64"]);
    cli(["osimage", "add", "-n", "compute", "-p", rootfs]);
    // Serial console for the logs; panic=1 with qemu's -no-reboot ends a failed boot at once;
    // net.ifnames=0 keeps the NIC named eth0, the name the group's interface config uses.
    cli(["osimage", "change", "-n", "compute", "--kernopts", "console=ttyS0 panic=1 net.ifnames=0"]);
    cli(["group", "add", "-n", "compute", "-i", "eth0", "-o", "compute"]);
    cli(["group", "change", "-n", "compute", "--interface", "eth0", "--setnet", "cluster"]);
    cli(["group", "change", "-n", "compute", "--interface", "eth0", "--setnet", "cluster6"]);
    cli(["group", "change", "-n", "compute", "--seed_tail", "60"]);
    // Diskless: the image goes to RAM (tarball and tree together must fit in the VM).
    cli(
      ["group", "change", "-n", "compute", "--partscript", "-e"],
      "mount -t tmpfs -o size=85% tmpfs /sysroot\n",
    );
    // The marker unit in the image reads the daemon URL from here and appends
    // "?step=install&node=N&status=booted" (see make-test-image). A status report needs this
    // boot's credential, so the URL carries it in front; the first step= wins and the
    // marker's own "?step" lands in a dummy parameter.
    cli(
      ["group", "change", "-n", "compute", "--postscript", "-e"],
      `echo "${URL}?step=install&token=$LUNA_TOKEN&marker=" > "$LUNA_ROOT/etc/luna-url"\n`,
    );
    cli(["node", "add", "-g", "compute", "-n", "node[001-002]"]);
    for (const vm of VMS) cli(["node", "change", "-n", vm.name, "--mac", vm.mac, "--setupbmc", "n"]);
    let t = performance.now();
    console.log(cli(["osimage", "pack", "-n", "compute"]).trim());
    console.log(`vm-boot: osimage pack (tarball, torrent, dracut initramfs) took ${secs(t)} s`);
    const dhcp = join(dir, "dnsmasq.conf");
    cli(["cluster", "makedhcp", "-N", "cluster", "-s", "10.30.200.1", "-e", "10.30.200.254"]);
    cli(["cluster", "makedhcp", "--format", "dnsmasq", "--out", dhcp]);
    console.log(`vm-boot: generated ${dhcp}:\n${await Bun.file(dhcp).text()}`);

    const daemon = lab.spawn([luna, "daemon", "--host", HEAD, "--port", "7050"], {
      log: join(dir, "daemon.log"),
      env,
    });
    // DHCP only (port=0: no DNS), on the lab's bridge, as root so the lease file in our temp
    // folder stays writable; the generated file carries every DHCP setting.
    lab.spawn(
      [
        "dnsmasq",
        "--keep-in-foreground",
        "--port=0",
        "--interface=br0",
        "--bind-interfaces",
        "--user=root",
        "--log-dhcp",
        `--dhcp-leasefile=${join(dir, "leases")}`,
        `--pid-file=${join(dir, "dnsmasq.pid")}`,
        `--conf-file=${dhcp}`,
        "--log-facility=-",
      ],
      { log: join(dir, "dnsmasq.log") },
    );
    await waitFor("the daemon answers step=boot", 30_000, async () => {
      if (daemon.exitCode !== null) throw new Error(`daemon exited: ${tail(join(dir, "daemon.log.err"))}`);
      const probe = Bun.spawnSync(["ip", "netns", "exec", lab.ns, "curl", "-sf", `${URL}?step=boot`]);
      return probe.exitCode === 0;
    });

    t = performance.now();
    const vms = VMS.map((vm) => lab.startVm(vm.name, vm.mac));
    const db = join(dir, "luna.db");
    const uploaded = new Map<string, number>();
    const runs = () => JSON.parse(cli(["node", "status", "--json"])) as { name: string; stages: Stage[] }[];
    const done = (r: { stages: Stage[] }) => r.stages.some((s) => s.step === "booted");
    try {
      await waitFor("both VMs report booted and power off", BOOT_LIMIT_MS, async () => {
        recordUploads(db, uploaded);
        const now = runs();
        for (const vm of vms) {
          const run = now.find((r) => r.name === vm.name);
          if (vm.proc.exitCode !== null && !(run && done(run))) {
            throw new Error(`${vm.name} stopped (qemu exit ${vm.proc.exitCode}) before reporting booted`);
          }
        }
        return now.every(done) && vms.every((vm) => vm.proc.exitCode !== null);
      });
    } catch (e) {
      // Where it stopped: each node's last stages and console.
      for (const r of runs()) {
        console.error(`${r.name}: ${r.stages.map((s) => s.step).join(" → ") || "no request yet"}`);
        const console_ = join(dir, `${r.name}.console`);
        console.error(`--- ${r.name} console: luna lines\n${grep(console_, /luna/)}`);
        console.error(`--- ${r.name} console: last lines\n${tail(console_, 15)}`);
      }
      console.error(
        `--- daemon\n${tail(join(dir, "daemon.log"))}\n${tail(join(dir, "daemon.log.err"))}`,
        `\n--- dnsmasq\n${tail(join(dir, "dnsmasq.log.err"), 10)}`,
      );
      throw e;
    }
    console.log(`vm-boot: both VMs booted and powered off ${secs(t)} s after power-on`);
    const final = runs();
    for (const r of final) printTimeline(r.name, r.stages, t);
    console.log(`vm-boot: uploaded per peer (tracker): ${JSON.stringify(Object.fromEntries(uploaded))}`);
    for (const r of final) {
      const steps = r.stages.map((s) => s.step);
      expect(steps).toContain("install.success");
      expect(steps.indexOf("booted")).toBeGreaterThan(steps.indexOf("install.success"));
    }
    // The VMs traded pieces: some node address told the tracker it uploaded to a peer.
    const vmUploads = [...uploaded].filter(([ip]) => ip !== HEAD).map(([, n]) => n);
    expect(Math.max(0, ...vmUploads)).toBeGreaterThan(0);
  } finally {
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
    await lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Bounded polling of a condition (once a second); the error names what was awaited. */
async function waitFor(what: string, limitMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (performance.now() < deadline) {
    if (await check()) return;
    await Bun.sleep(1000);
  }
  throw new Error(`Timed out after ${limitMs / 1000} s waiting until ${what}`);
}

/** Highest `uploaded` each peer address has announced (records expire, so keep the maximum). */
function recordUploads(db: string, into: Map<string, number>): void {
  const conn = new Database(db, { readonly: true });
  try {
    for (const row of conn.query("SELECT data FROM docs WHERE kind = 'peer'").all() as { data: string }[]) {
      const p = JSON.parse(row.data) as { ip: string; uploaded: number };
      into.set(p.ip, Math.max(into.get(p.ip) ?? 0, p.uploaded));
    }
  } finally {
    conn.close();
  }
}

function printTimeline(name: string, stages: Stage[], t0: number): void {
  const origin = Date.now() - (performance.now() - t0);
  const lines = stages.map(
    (s) => `  ${((Date.parse(s.time) - origin) / 1000).toFixed(1).padStart(6)} s  ${s.step}`,
  );
  console.log(`vm-boot: ${name} timeline (seconds after power-on)\n${lines.join("\n")}`);
}
