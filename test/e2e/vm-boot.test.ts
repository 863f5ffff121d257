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
 */
import { expect, test } from "bun:test";
import { bootVms, expectInstalledAndTraded, RUN_TIMEOUT_MS, vmGate } from "../helpers/vm-boot-run.ts";

const gate = vmGate("vm-boot", false);

test.skipIf(gate.skip)(
  "two VMs network-boot from luna daemon, install over BitTorrent and run the image",
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
    });
    expectInstalledAndTraded(r);
  },
  { timeout: RUN_TIMEOUT_MS },
);
