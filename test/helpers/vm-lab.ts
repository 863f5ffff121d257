/**
 * The real-boot tests' lab: one network namespace holding a bridge with the head node's
 * addresses and a tap device per VM, a DHCP server from a given config, and qemu (TCG) VMs
 * that network-boot: BIOS through qemu's iPXE option ROM, or UEFI (OVMF, Secure Boot off)
 * through the firmware's own PXE or HTTP boot. Every address exists only inside the
 * namespace (no default route, no uplink), and every process and the namespace itself are
 * removed by `destroy`, after success or failure.
 */
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { $ } from "bun";

/**
 * How a VM boots: `bios` is SeaBIOS with qemu's iPXE ROM (iPXE from the first DHCP answer);
 * `uefi-pxe` is OVMF's PXE over its own virtio-net driver (option 93 = 7, the iPXE EFI build
 * over TFTP); `uefi-http` is OVMF's HTTP boot only (option 93 = 16, no TFTP at all).
 */
export type Firmware = "bios" | "uefi-pxe" | "uefi-http";

const OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd";
/** the empty variable store: no keys enrolled, so Secure Boot is off */
const OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd";

export interface LabVm {
  name: string;
  mac: string;
  tap: string;
  console: string;
  proc: ReturnType<typeof Bun.spawn>;
}

export interface Lab extends AsyncDisposable {
  ns: string;
  /** Runs argv inside the namespace (for the daemon, dnsmasq, probes). */
  spawn(
    argv: string[],
    o: { log: string; env?: Record<string, string | undefined> },
  ): ReturnType<typeof Bun.spawn>;
  /** `retry`: the firmware reboots after a failed network boot instead of qemu exiting (BIOS) */
  startVm(name: string, mac: string, firmware?: Firmware, retry?: boolean): LabVm;
  destroy(): Promise<void>;
}

export interface LabOptions {
  id: string;
  dir: string;
  vms: number;
  headIp4: string;
  prefix4: number;
  headIp6: string;
  prefix6: number;
  /** shaping of what the head node sends, so peers have a reason to trade pieces */
  headMbit: number;
  memoryMB: number;
}

/** Tools the lab needs, with the Debian package that has each; empty when all are there. */
export function missingTools(o: { uefi?: boolean } = {}): string[] {
  const need: Record<string, string> = {
    "qemu-system-x86_64": "qemu-system-x86",
    dnsmasq: "dnsmasq-base",
    debootstrap: "debootstrap",
    // the UEFI run serves DHCP with ISC dhcpd (makedhcp's default format)
    ...(o.uefi ? { dhcpd: "isc-dhcp-server" } : {}),
    ip: "iproute2",
    tc: "iproute2",
  };
  const missing = Object.entries(need)
    .filter(([bin]) => !Bun.which(bin, { PATH: `${process.env.PATH}:/usr/sbin:/sbin` }))
    .map(([bin, pkg]) => `${bin} (${pkg})`);
  if (!existsSync("/usr/lib/ipxe/qemu/efi-virtio.rom")) missing.push("iPXE ROMs for qemu (ipxe-qemu)");
  if (!existsSync("/usr/lib/ipxe/ipxe.efi")) missing.push("iPXE builds (ipxe)");
  if (o.uefi && !existsSync(OVMF_CODE)) missing.push(`${OVMF_CODE} (ovmf)`);
  if (!existsSync("/dev/net/tun")) missing.push("/dev/net/tun");
  return missing;
}

export async function createLab(o: LabOptions): Promise<Lab> {
  const ns = `lvm-${o.id}`;
  const procs: ReturnType<typeof Bun.spawn>[] = [];
  let created = false;
  const destroy = async () => {
    // TERM first so the daemon stops its seeder, then KILL whatever is left, including any
    // child still running inside the namespace (`ip netns del` does not end processes).
    for (const p of procs) p.kill("SIGTERM");
    await Promise.race([Promise.all(procs.map((p) => p.exited)), Bun.sleep(5000)]);
    for (const p of procs) p.kill("SIGKILL");
    await Promise.all(procs.map((p) => p.exited));
    if (created) {
      const left = (await $`ip netns pids ${ns}`.quiet().nothrow().text()).split(/\s+/).filter(Boolean);
      for (const pid of left) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // already gone
        }
      }
      await $`ip netns del ${ns}`.quiet().nothrow();
    }
    created = false;
  };
  const inNs = (argv: string[]) => ["ip", "netns", "exec", ns, ...argv];
  try {
    await $`ip netns add ${ns}`.quiet();
    created = true;
    await $`ip netns exec ${ns} ip link set lo up`.quiet();
    await $`ip netns exec ${ns} ip link add br0 type bridge`.quiet();
    // No DAD: the address must be usable at once, before dnsmasq starts sending adverts.
    await $`ip netns exec ${ns} ip addr add ${o.headIp4}/${o.prefix4} dev br0`.quiet();
    await $`ip netns exec ${ns} ip -6 addr add ${o.headIp6}/${o.prefix6} dev br0 nodad`.quiet();
    await $`ip netns exec ${ns} ip link set br0 up`.quiet();
    // br0's own qdisc sees only what the head node itself sends (frames bridged between the
    // taps bypass it), so this slows the seeder down and leaves VM-to-VM traffic at full speed.
    const burst = Math.max(32, Math.ceil((o.headMbit * 1e6) / 8 / 250 / 1024));
    await $`ip netns exec ${ns} tc qdisc replace dev br0 root tbf rate ${o.headMbit}mbit burst ${burst}kb latency 100ms`.quiet();
    for (let i = 1; i <= o.vms; i++) {
      await $`ip netns exec ${ns} ip tuntap add dev tap${i} mode tap`.quiet();
      await $`ip netns exec ${ns} ip link set tap${i} master br0 up`.quiet();
    }
  } catch (e) {
    await destroy();
    throw e;
  }
  let taps = 0;
  const spawn: Lab["spawn"] = (argv, so) => {
    const p = Bun.spawn(inNs(argv), {
      env: so.env ?? process.env,
      stdin: "ignore",
      stdout: Bun.file(so.log),
      stderr: Bun.file(`${so.log}.err`),
    });
    procs.push(p);
    return p;
  };
  return {
    ns,
    spawn,
    startVm(name, mac, firmware = "bios", retry = false) {
      taps++;
      const tap = `tap${taps}`;
      const console = join(o.dir, `${name}.console`);
      const proc = spawn(
        [
          "qemu-system-x86_64",
          // A failed boot ends qemu (-no-reboot), unless the run wants the firmware to retry:
          // then SeaBIOS reboots 2 s after "no bootable device", as a server's BIOS loops.
          ...["-accel", "tcg", "-m", String(o.memoryMB), ...(retry ? [] : ["-no-reboot"])],
          ...["-name", name, "-display", "none", "-monitor", "none", "-serial", `file:${console}`],
          // The node side is only this tap on the lab's bridge: never qemu's user-mode network.
          ...["-netdev", `tap,id=n0,ifname=${tap},script=no,downscript=no`],
          ...(firmware === "bios"
            ? [
                "-boot",
                retry ? "order=n,reboot-timeout=2000" : "n",
                "-device",
                `virtio-net-pci,netdev=n0,mac=${mac}`,
              ]
            : uefiArgs(firmware, mac, join(o.dir, `${name}.vars.fd`))),
        ],
        { log: join(o.dir, `${name}.qemu.log`) },
      );
      return { name, mac, tap, console, proc };
    },
    destroy,
    [Symbol.asyncDispose]: destroy,
  };
}

/**
 * OVMF with a VM's own copy of the empty variable store, booting from the NIC first. The NIC
 * gets no option ROM (romfile=), so OVMF's own virtio-net driver, PXE and HTTP boot run, as
 * on a server's firmware, not iPXE's. IPv4 only; the HTTP VM has PXE switched off, so its
 * firmware offers HTTP boot alone (fw_cfg knobs, edk2 OvmfPkg/RUNTIME_CONFIG.md).
 */
function uefiArgs(firmware: Exclude<Firmware, "bios">, mac: string, vars: string): string[] {
  copyFileSync(OVMF_VARS, vars);
  const knobs = ["IPv6Support=no", ...(firmware === "uefi-http" ? ["IPv4PXESupport=no"] : [])];
  return [
    ...["-drive", `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`],
    ...["-drive", `if=pflash,format=raw,unit=1,file=${vars}`],
    ...knobs.flatMap((k) => {
      const [key, value] = k.split("=");
      return ["-fw_cfg", `name=opt/org.tianocore/${key},string=${value}`];
    }),
    ...["-device", `virtio-net-pci,netdev=n0,mac=${mac},romfile=,bootindex=1`],
  ];
}

/** The last lines of a file that may not exist yet, for failure reports. */
export function tail(path: string, lines = 25): string {
  if (!existsSync(path)) return `(no ${path})`;
  return readFileSync(path, "utf8").replace(/\r/g, "").trimEnd().split("\n").slice(-lines).join("\n");
}

/** The lines of a file that match, for failure reports. */
export function grep(path: string, re: RegExp): string {
  if (!existsSync(path)) return `(no ${path})`;
  return readFileSync(path, "utf8")
    .replace(/\r/g, "")
    .split("\n")
    .filter((l) => re.test(l))
    .join("\n");
}

/**
 * Holds an exclusive flock(1) on `path` until the returned function is called: VM tests from
 * several checkouts on one machine share the image cache (and `osimage pack` works inside the
 * cached tree), and two pairs of TCG VMs on the same cores would only slow each other down.
 */
export async function exclusiveLock(path: string, limitMs: number): Promise<() => Promise<void>> {
  const holder = Bun.spawn(
    ["flock", "-w", String(Math.ceil(limitMs / 1000)), path, "sh", "-c", "echo locked; exec cat"],
    {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const first = await holder.stdout.getReader().read();
  if (!new TextDecoder().decode(first.value ?? new Uint8Array()).startsWith("locked")) {
    throw new Error(`Could not lock ${path} within ${limitMs / 1000} s: another VM test holds it`);
  }
  return async () => {
    holder.stdin.end();
    await holder.exited;
  };
}
