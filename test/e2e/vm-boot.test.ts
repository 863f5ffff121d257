/**
 * Real boot, end to end: two diskless qemu VMs network-boot at the same time through qemu's
 * iPXE ROM from the compiled `luna daemon` (DHCP by dnsmasq from `luna cluster makedhcp
 * --format dnsmasq`), get kernel + dracut initramfs (95luna), run the install script, fetch a
 * real Debian image (scripts/make-test-image, packed by `luna osimage pack`) over BitTorrent
 * from the head node's seeder and from each other into a tmpfs /sysroot, switch root, and the
 * installed system's marker unit reports `booted` and powers off. Needs root, qemu, dnsmasq,
 * debootstrap and the Debian mirror (for the first image build); bounded to 10 minutes.
 *
 * qemu's ROM is iPXE itself (user class "iPXE"), so this path fetches nothing over TFTP: the
 * UEFI test (vm-uefi.test.ts) is the one whose firmware fetches iPXE from the daemon's TFTP.
 *
 * The VMs power on before the daemon (issue 15, item 4): their first network boot fails, the
 * firmware reboots and tries again (as a server's BIOS loops over its boot order), and the
 * daemon starts only once DHCP has acknowledged every VM twice, so the retry is proven. From
 * the boot menu on, luna's own iPXE scripts retry (test/server/boot-answers.test.ts).
 */
import { expect, test } from "bun:test";
import { bootVms, expectInstalledAndTraded, RUN_TIMEOUT_MS, vmGate } from "../helpers/vm-boot-run.ts";

const gate = vmGate("vm-boot", false);

test.skipIf(gate.skip)(
  "two VMs powered on before the daemon network-boot from it, install over BitTorrent and run the image",
  async () => {
    expect(gate.missing).toEqual([]);
    const r = await bootVms({
      tag: "vm-boot",
      vms: [
        { name: "node001", mac: "52:54:00:4c:00:01", firmware: "bios" },
        { name: "node002", mac: "52:54:00:4c:00:02", firmware: "bios" },
      ],
      dhcp: "dnsmasq",
      tftp: false,
      lateDaemon: true,
    });
    expectInstalledAndTraded(r);
  },
  { timeout: RUN_TIMEOUT_MS },
);
