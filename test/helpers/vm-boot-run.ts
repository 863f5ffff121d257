/**
 * One real-boot run, shared by the VM tests: the test image (scripts/make-test-image), a
 * cluster set up through the compiled CLI, `luna daemon` plus a DHCP server (dnsmasq or ISC
 * dhcpd, from `luna cluster makedhcp`) inside the lab's namespace, and qemu VMs with the
 * firmware each test names, until every VM reported `booted` and powered off (bounded). It
 * returns what the tests assert on: each node's stages, the tracker's upload counts and the
 * VM consoles. Everything it started is removed afterwards, on success or failure.
 */
import { Database } from "bun:sqlite";
import { expect } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lunaBinary } from "./luna.ts";
import { createLab, exclusiveLock, type Firmware, grep, missingTools, tail } from "./vm-lab.ts";

const ROOT = join(import.meta.dir, "..", "..");
export const HEAD = "10.30.255.254";
const URL = `http://${HEAD}:7050/luna`;
const BOOT_LIMIT_MS = 10 * 60_000;
/** how long to wait for another VM test on this machine (see exclusiveLock) */
const LOCK_LIMIT_MS = 20 * 60_000;
/** the bun test timeout for one run: the lock, the image build, the boot */
export const RUN_TIMEOUT_MS = LOCK_LIMIT_MS + BOOT_LIMIT_MS + 10 * 60_000;

export interface VmSpec {
  name: string;
  mac: string;
  firmware: Firmware;
}

export interface BootRun {
  /** log prefix, and part of the namespace's name */
  tag: string;
  vms: VmSpec[];
  dhcp: "dnsmasq" | "dhcpd";
  /** the daemon's own TFTP server on HEAD:69, serving Debian's iPXE builds under luna's names */
  tftp: boolean;
  /**
   * The daemon starts only after every VM's first network boot failed for want of it (each MAC
   * acknowledged by DHCP twice: the firmware retried); BIOS VMs only (SeaBIOS reboot-timeout).
   */
  lateDaemon?: boolean;
}

export interface Stage {
  step: string;
  time: string;
}

export interface BootResult {
  runs: { name: string; stages: Stage[] }[];
  /** highest `uploaded` each peer address announced */
  uploaded: Map<string, number>;
  consoles: Record<string, string>;
}

/**
 * Whether a VM test can run here: root and the tools. Under CI (or LUNA_TEST_VM=1, set by
 * .ci/run) a missing piece fails the test instead of skipping it; on a developer machine
 * without them it is reported as skipped, never as passed.
 */
export function vmGate(tag: string, uefi: boolean): { missing: string[]; skip: boolean } {
  const missing = process.getuid?.() === 0 ? missingTools({ uefi }) : ["root"];
  const mustRun = process.env.CI === "true" || process.env.LUNA_TEST_VM === "1";
  if (missing.length > 0)
    console.warn(`${tag}: ${mustRun ? "cannot run" : "skipped"}, missing ${missing.join(", ")}`);
  return { missing, skip: missing.length > 0 && !mustRun };
}

/** Runs one boot under the machine-wide VM lock (see exclusiveLock). */
export async function bootVms(o: BootRun): Promise<BootResult> {
  const started = performance.now();
  const cache = process.env.LUNA_TEST_IMAGE_CACHE || "/var/cache/luna-test-image";
  mkdirSync(cache, { recursive: true });
  const unlock = await exclusiveLock(join(cache, ".vm-test.lock"), LOCK_LIMIT_MS);
  try {
    return await boot(o, started);
  } finally {
    await unlock();
  }
}

const secs = (from: number) => ((performance.now() - from) / 1000).toFixed(1);

async function boot(o: BootRun, started: number): Promise<BootResult> {
  const image = Bun.spawnSync([join(ROOT, "scripts", "make-test-image")], { stderr: "inherit" });
  expect(image.exitCode).toBe(0);
  const rootfs = image.stdout.toString().trim();
  console.log(`${o.tag}: test image ${rootfs} ready after ${secs(started)} s`);

  const luna = await lunaBinary();
  const dir = mkdtempSync(join(tmpdir(), "luna-vm-"));
  const conf = join(dir, "luna.conf");
  const env = { ...process.env, LUNA_STORE: `sqlite:${join(dir, "luna.db")}`, LUNA_CONFIG: conf };
  const cli = (args: string[], stdin?: string) => {
    const r = Bun.spawnSync([luna, ...args], {
      env,
      stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin),
    });
    if (r.exitCode !== 0) throw new Error(`luna ${args.join(" ")} → ${r.exitCode}: ${r.stderr}`);
    return r.stdout.toString();
  };
  const lab = await createLab({
    id: `${o.tag.slice(0, 4)}${process.pid % 100000}`,
    dir,
    vms: o.vms.length,
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
    writeFileSync(conf, daemonConfig(o, dir));
    setUpCluster(o, cli, rootfs, dir);
    lab.spawn(dhcpServer(o, dir), { log: join(dir, "dhcp.log") });
    const startDaemon = async () => {
      const daemon = lab.spawn([luna, "daemon", "--host", HEAD, "--port", "7050"], {
        log: join(dir, "daemon.log"),
        env,
      });
      await waitFor("the daemon answers step=boot", 30_000, async () => {
        if (daemon.exitCode !== null) throw new Error(`daemon exited: ${tail(join(dir, "daemon.log.err"))}`);
        const probe = Bun.spawnSync(["ip", "netns", "exec", lab.ns, "curl", "-sf", `${URL}?step=boot`]);
        return probe.exitCode === 0;
      });
    };
    if (!o.lateDaemon) await startDaemon();

    const t = performance.now();
    const vms = o.vms.map((vm) => lab.startVm(vm.name, vm.mac, vm.firmware, o.lateDaemon));
    if (o.lateDaemon) {
      await waitFor(
        "every VM booted twice without a daemon (DHCP acknowledged it twice)",
        5 * 60_000,
        async () => o.vms.every((vm) => dhcpAcks(join(dir, "dhcp.log.err"), vm.mac) >= 2),
      );
      console.log(
        `${o.tag}: every VM retried its network boot; starting the daemon ${secs(t)} s after power-on`,
      );
      await startDaemon();
    }
    const uploaded = new Map<string, number>();
    const runs = () => JSON.parse(cli(["node", "status", "--json"])) as BootResult["runs"];
    const done = (r: { stages: Stage[] }) => r.stages.some((s) => s.step === "booted");
    try {
      await waitFor("every VM reports booted and powers off", BOOT_LIMIT_MS, async () => {
        recordUploads(join(dir, "luna.db"), uploaded);
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
        console.error(`--- ${r.name} console: luna and firmware lines\n${grep(console_, /luna|BdsDxe|PXE/)}`);
        console.error(`--- ${r.name} console: last lines\n${tail(console_, 15)}`);
      }
      console.error(
        `--- daemon\n${tail(join(dir, "daemon.log"))}\n${tail(join(dir, "daemon.log.err"))}`,
        `\n--- ${o.dhcp}\n${tail(join(dir, "dhcp.log.err"), 10)}`,
      );
      throw e;
    }
    console.log(`${o.tag}: every VM booted and powered off ${secs(t)} s after power-on`);
    const final = runs();
    for (const r of final) printTimeline(`${o.tag}: ${r.name}`, r.stages, t);
    console.log(`${o.tag}: uploaded per peer (tracker): ${JSON.stringify(Object.fromEntries(uploaded))}`);
    const consoles = Object.fromEntries(
      vms.map((vm) => [vm.name, readFileSync(vm.console, "utf8").replace(/\r/g, "")]),
    );
    return { runs: final, uploaded, consoles };
  } finally {
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
    await lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The daemon's config file: the built-in TFTP server when the run asks for it. */
function daemonConfig(o: BootRun, dir: string): string {
  const root = join(dir, "tftp");
  mkdirSync(root);
  // The names self-install gives Debian's builds, which makedhcp hands out.
  copyFileSync("/usr/lib/ipxe/ipxe.efi", join(root, "luna_ipxe.efi"));
  copyFileSync("/usr/lib/ipxe/undionly.kpxe", join(root, "luna_undionly.kpxe"));
  // root is also what /ipxe/ serves over HTTP (UEFI HTTP boot), with TFTP on or off.
  return `[snmp]\nenabled = false\n[tftp]\nenabled = ${o.tftp}\nhost = "${HEAD}"\nroot = "${root}"\n`;
}

type Cli = (args: string[], stdin?: string) => string;

function setUpCluster(o: BootRun, cli: Cli, rootfs: string, dir: string): void {
  cli(["cluster", "init", "--frontend_address", HEAD, "--path", join(dir, "opt")]);
  cli(["cluster", "change", "--tracker_interval", "5", "--tracker_min_interval", "2"]);
  cli(["network", "add", "-n", "cluster", "-N", "10.30.0.0", "-P", "16"]);
  cli(["osimage", "add", "-n", "compute", "-p", rootfs]);
  // Serial console for the logs; panic=1 with qemu's -no-reboot ends a failed boot at once;
  // net.ifnames=0 keeps the NIC named eth0, the name the group's interface config uses.
  cli(["osimage", "change", "-n", "compute", "--kernopts", "console=ttyS0 panic=1 net.ifnames=0"]);
  cli(["group", "add", "-n", "compute", "-i", "eth0", "-o", "compute"]);
  cli(["group", "change", "-n", "compute", "--interface", "eth0", "--setnet", "cluster"]);
  if (o.dhcp === "dnsmasq") {
    // An IPv6 network on the boot interface makes the generated dnsmasq config send router
    // adverts: without them iPXE waits ~16 s for IPv6 autoconfiguration on every boot.
    cli(["network", "add", "-n", "cluster6", "-N", "fd00:30::", "-P", "64"]);
    cli(["group", "change", "-n", "compute", "--interface", "eth0", "--setnet", "cluster6"]);
  }
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
  for (const vm of o.vms) {
    cli(["node", "add", "-g", "compute", "-n", vm.name]);
    cli(["node", "change", "-n", vm.name, "--mac", vm.mac, "--setupbmc", "n"]);
  }
  const t = performance.now();
  console.log(cli(["osimage", "pack", "-n", "compute"]).trim());
  console.log(`${o.tag}: osimage pack (tarball, torrent, dracut initramfs) took ${secs(t)} s`);
  const file = join(dir, `${o.dhcp}.conf`);
  cli(["cluster", "makedhcp", "-N", "cluster", "-s", "10.30.200.1", "-e", "10.30.200.254"]);
  cli(["cluster", "makedhcp", "--format", o.dhcp, "--out", file]);
  console.log(`${o.tag}: generated ${file}:\n${readFileSync(file, "utf8")}`);
}

/** The DHCP server's command line: DHCP only, on the lab's bridge, from the generated file. */
function dhcpServer(o: BootRun, dir: string): string[] {
  const file = join(dir, `${o.dhcp}.conf`);
  const leases = join(dir, "leases");
  if (o.dhcp === "dhcpd") {
    writeFileSync(leases, "");
    // -d: foreground, log to stderr; IPv4 only (the file is dhcpd -4's).
    return ["dhcpd", "-d", "-4", "-cf", file, "-lf", leases, "-pf", join(dir, "dhcpd.pid"), "br0"];
  }
  // port=0: no DNS; as root so the lease file in our temp folder stays writable.
  return [
    "dnsmasq",
    "--keep-in-foreground",
    "--port=0",
    "--interface=br0",
    "--bind-interfaces",
    "--user=root",
    "--log-dhcp",
    `--dhcp-leasefile=${leases}`,
    `--pid-file=${join(dir, "dnsmasq.pid")}`,
    `--conf-file=${file}`,
    "--log-facility=-",
  ];
}

/** How many times the DHCP server (dnsmasq's log) acknowledged `mac`. */
function dhcpAcks(log: string, mac: string): number {
  let text = "";
  try {
    text = readFileSync(log, "utf8");
  } catch {
    return 0;
  }
  return text.split("\n").filter((l) => l.includes("DHCPACK") && l.toLowerCase().includes(mac)).length;
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
  console.log(`${name} timeline (seconds after power-on)\n${lines.join("\n")}`);
}

/** The assertions every boot run shares: installed, then booted, and the VMs traded pieces. */
export function expectInstalledAndTraded(r: BootResult): void {
  for (const run of r.runs) {
    const steps = run.stages.map((s) => s.step);
    expect(steps).toContain("install.success");
    expect(steps.indexOf("booted")).toBeGreaterThan(steps.indexOf("install.success"));
  }
  // The VMs traded pieces: some node address told the tracker it uploaded to a peer.
  const vmUploads = [...r.uploaded].filter(([ip]) => ip !== HEAD).map(([, n]) => n);
  expect(Math.max(0, ...vmUploads)).toBeGreaterThan(0);
}
