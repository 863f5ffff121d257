/**
 * Boots a kernel and a 95luna initramfs in qemu (TCG, no KVM needed) against a stand-in
 * daemon, to see the whole node side in a real boot: dracut's init, our cmdline hook, the
 * pre-mount loader (network, install script), the pre-pivot check, switch_root, and the
 * "installed" system's init. qemu's user-mode network is used: it is private to the qemu
 * process (no host interface or address is created or changed) and the guest reaches the
 * daemon on the host's loopback as 10.0.2.2.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The install script the stand-in daemon serves: the partscript's tmpfs on /sysroot, then a
 * tiny "image" made of the initramfs's own /usr (bash and friends) whose init reports and
 * powers the VM off.
 */
export const SMOKE_INSTALL = `#!/bin/bash
mount -t tmpfs tmpfs "$LUNA_ROOT" || exit 1
cp -a /usr /bin /sbin /lib /lib64 "$LUNA_ROOT"/
mkdir -p "$LUNA_ROOT"/etc "$LUNA_ROOT"/proc "$LUNA_ROOT"/sys "$LUNA_ROOT"/dev "$LUNA_ROOT"/run
echo "$LUNA_HOSTNAME" > "$LUNA_ROOT/etc/hostname"
rm -f "$LUNA_ROOT/usr/sbin/init"
printf '#!/bin/bash\\nread -r h < /etc/hostname\\necho "LUNA-BOOTED pid=$$ host=$h" > /dev/console\\necho o > /proc/sysrq-trigger\\nsleep 60\\n' > "$LUNA_ROOT/usr/sbin/init"
chmod 755 "$LUNA_ROOT/usr/sbin/init"
curl -s -o /dev/null "$LUNA_URL?step=install&node=$LUNA_NODE&status=install.success"
`;

export const VM_MAC = "52:54:00:12:34:56";

export type Boot = { code: number | null; console: string; timedOut: boolean };

/** Boots until the guest powers off (qemu exits 0 with -no-reboot) or `limitMs` passes. */
export async function bootInQemu(o: {
  kernel: string;
  initrd: string;
  append: string;
  dir: string;
  name: string;
  limitMs: number;
}): Promise<Boot> {
  const log = join(o.dir, `${o.name}.console`);
  const p = Bun.spawn(
    [
      "qemu-system-x86_64",
      ...["-accel", "tcg", "-m", "1024", "-display", "none", "-no-reboot"],
      ...["-serial", `file:${log}`, "-kernel", o.kernel, "-initrd", o.initrd],
      ...["-append", `console=ttyS0 panic=-1 ${o.append}`],
      ...["-netdev", "user,id=n0", "-device", `virtio-net-pci,netdev=n0,mac=${VM_MAC}`],
    ],
    { stdout: "ignore", stderr: "pipe" },
  );
  let timedOut = false;
  // A guard, not a wait: a boot that hangs is stopped and reported with its console.
  const guard = setTimeout(() => {
    timedOut = true;
    p.kill("SIGKILL");
  }, o.limitMs);
  const code = await p.exited;
  clearTimeout(guard);
  const console = existsSync(log) ? readFileSync(log, "utf8") : "";
  return { code: timedOut ? null : code, console, timedOut };
}
