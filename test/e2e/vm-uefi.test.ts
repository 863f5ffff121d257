/**
 * UEFI real boot (issue 15, items 1 and 2): two diskless qemu VMs with OVMF (Debian's ovmf,
 * Secure Boot off) and no option ROM on the NIC, so the firmware's own network boot runs, as
 * on a server. DHCP is ISC dhcpd from `luna cluster makedhcp` (the default format, so both
 * renderers meet a real client: vm-boot.test.ts runs dnsmasq).
 *
 * - node001, UEFI PXE: option 93 = 7 → `luna_ipxe.efi` over TFTP from the daemon's own TFTP
 *   server (`[tftp] enabled = true`; no other TFTP server exists in the lab).
 * - node002, UEFI HTTP boot only (PXE off in the firmware): option 60 "HTTPClient" and 93 = 16
 *   → the URL of `luna_ipxe.efi` on the daemon's `/ipxe/` route, no TFTP at all.
 *
 * Both then go the same luna chain as the BIOS VMs (iPXE → discovery → kernel + initramfs →
 * install over BitTorrent → `booted`), asserted the same way. Needs what vm-boot needs plus
 * ovmf and isc-dhcp-server; bounded to 10 minutes.
 */
import { expect, test } from "bun:test";
import { bootVms, expectInstalledAndTraded, RUN_TIMEOUT_MS, vmGate } from "../helpers/vm-boot-run.ts";

const gate = vmGate("vm-uefi", true);
/** What OVMF's boot manager prints when it starts a boot option (BdsDxe, on the serial console). */
const started = (kind: string) => new RegExp(`BdsDxe: starting Boot[0-9A-F]{4} "UEFI ${kind} `);

test.skipIf(gate.skip)(
  "UEFI VMs boot through firmware PXE (TFTP from the daemon) and HTTP boot, install and run the image",
  async () => {
    expect(gate.missing).toEqual([]);
    const r = await bootVms({
      tag: "vm-uefi",
      vms: [
        { name: "node001", mac: "52:54:00:4c:00:11", firmware: "uefi-pxe" },
        { name: "node002", mac: "52:54:00:4c:00:12", firmware: "uefi-http" },
      ],
      dhcp: "dhcpd",
      tftp: true,
    });
    expectInstalledAndTraded(r);
    // Each came the way it was meant to: the PXE VM never fell back to HTTP boot (its firmware
    // offers both), and its iPXE came over TFTP; the HTTP VM had no PXE to fall back to.
    const pxe = r.consoles.node001 ?? "";
    const http = r.consoles.node002 ?? "";
    expect(pxe).toMatch(started("PXEv4"));
    expect(pxe).not.toMatch(started("HTTPv4"));
    expect(pxe).toMatch(/Downloading NBP file/);
    expect(http).toMatch(started("HTTPv4"));
    expect(http).not.toMatch(started("PXEv4"));
    expect(http).toMatch(/URI: http:\/\/10\.30\.255\.254:7050\/ipxe\/luna_ipxe\.efi/);
  },
  { timeout: RUN_TIMEOUT_MS },
);
