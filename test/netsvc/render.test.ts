/**
 * Golden files for everything makedhcp and makedns render, from the fixture cluster (two
 * networks, three nodes, a switch and a PDU), plus the IPv6 variant for dnsmasq and bind.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { dhcpConfig } from "../../src/domain/netsvc/dhcp.ts";
import { dnsZones } from "../../src/domain/netsvc/dns.ts";
import { bindZones, renderNamedInclude } from "../../src/netsvc/bind.ts";
import { renderDhcpd } from "../../src/netsvc/dhcpd.ts";
import { renderDnsmasq } from "../../src/netsvc/dnsmasq.ts";
import { renderHosts } from "../../src/netsvc/hosts.ts";
import { testCluster } from "../helpers/cluster.ts";
import { expectGolden } from "../helpers/golden.ts";

const SERIAL = 2026010100;

const v4 = await testCluster({ nodes: 3, services: true });
const v6 = await testCluster({ nodes: 3, services: true, ipv6: true });
afterAll(async () => {
  await v4[Symbol.asyncDispose]();
  await v6[Symbol.asyncDispose]();
});

describe("IPv4 cluster", async () => {
  const snap = await v4.snapshot();
  const dhcp = dhcpConfig(snap);
  const dns = dnsZones(snap, { frontendName: "head" });
  const bind = bindZones(dns.zones);

  test("dhcpConfig lists fixed leases for nodes with a MAC and the PDU, without warnings", () => {
    expect(dhcp.warnings).toEqual([]);
    expect(dhcp.config.hosts.map((h) => `${h.name} ${h.mac} ${h.ip4}`)).toEqual([
      "node001 52:54:00:00:00:01 10.30.0.1",
      "node002 52:54:00:00:00:02 10.30.0.2",
      "pdu01 52:54:00:aa:00:01 10.30.250.1",
    ]);
    expect(dhcp.config.bootUrl).toBe("http://10.30.255.254:7050/luna?step=boot");
  });

  test("renderDhcpd matches its golden file", () => {
    expectGolden("netsvc/dhcpd.conf", renderDhcpd(dhcp.config));
  });

  test("renderDnsmasq matches its golden file", () => {
    expectGolden("netsvc/dnsmasq.conf", renderDnsmasq(dhcp.config));
  });

  test("dnsZones names BMCs node-bmc and keeps every host once", () => {
    expect(dns.warnings).toEqual([]);
    const ipmi = dns.zones.find((z) => z.name === "ipmi");
    expect(ipmi?.records.map((r) => r.name)).toEqual([
      "head",
      "node001-bmc",
      "node002-bmc",
      "node003-bmc",
      "switch01",
    ]);
  });

  test("bind zones and include match their golden files", () => {
    expect(bind.warnings).toEqual([]);
    expect(bind.docs.map((d) => d.zone)).toEqual([
      "cluster",
      "ipmi",
      "30.10.in-addr.arpa",
      "31.10.in-addr.arpa",
    ]);
    for (const d of bind.docs) expectGolden(`netsvc/${d.file}`, d.render(SERIAL));
    expectGolden("netsvc/named.luna.zones", renderNamedInclude(bind.docs, "/var/named"));
  });

  test("renderHosts matches its golden file", () => {
    expectGolden("netsvc/hosts", renderHosts(dns.zones));
  });
});

describe("cluster with an IPv6 network on the boot interface", async () => {
  const snap = await v6.snapshot();
  const dhcp = dhcpConfig(snap);
  const bind = bindZones(dnsZones(snap, { frontendName: "head" }).zones);

  test("renderDnsmasq adds router advertisements, an IPv6 range and the nodes' IPv6 addresses", () => {
    const text = renderDnsmasq(dhcp.config);
    expect(text).toContain("\nenable-ra\n");
    expect(text).toContain("\ndhcp-range=fd00:30::,static,64,8h\n");
    expect(text).toContain("\ndhcp-host=52:54:00:00:00:01,10.30.0.1,[fd00:30::1],node001\n");
    expectGolden("netsvc/dnsmasq-ipv6.conf", text);
  });

  test("the IPv6 forward and nibble reverse zones match their golden files", () => {
    const six = bind.docs.filter((d) => d.zone === "cluster6" || d.zone.endsWith(".ip6.arpa"));
    expect(six.map((d) => d.zone)).toEqual(["cluster6", "0.0.0.0.0.0.0.0.0.3.0.0.0.0.d.f.ip6.arpa"]);
    for (const d of six) expectGolden(`netsvc/${d.file}`, d.render(SERIAL));
  });
});

describe("arm64 UEFI firmware (option 93 = 11, and 19 for HTTP boot)", async () => {
  const snap = await v4.snapshot();
  /** The fixture's image, packed once with an arm64 kernel. */
  const armed = {
    ...snap,
    osimages: snap.osimages.map((i) => ({
      ...i,
      current: 1,
      versions: [
        {
          version: 1,
          tarball: "c-1.tar.zst",
          torrent: "c-1.torrent",
          infohash: "0",
          size: 1,
          created: "",
          arch: "arm64" as const,
        },
      ],
    })),
  };

  test("with an arm64 iPXE installed, arm64 firmware gets it and x86 answers stay as they were", () => {
    const { config, warnings } = dhcpConfig(armed, { arm64Ipxe: true });
    expect(warnings).toEqual([]);
    const dhcpd = renderDhcpd(config);
    expect(dhcpd).toContain(
      '  } elsif option client-architecture = 00:0b or option client-architecture = 00:13 {\n    filename "luna_ipxe_arm64.efi";\n',
    );
    expect(dhcpd).toContain('    filename "http://10.30.255.254:7050/ipxe/luna_ipxe_arm64.efi";\n');
    expectGolden("netsvc/dhcpd-arm64.conf", dhcpd);
    const dnsmasq = renderDnsmasq(config);
    expect(dnsmasq).toContain(
      "\ndhcp-boot=tag:!ipxe,tag:arm64,tag:!httpclient,luna_ipxe_arm64.efi,,10.30.255.254\n",
    );
    expect(dnsmasq).toContain(
      "\ndhcp-boot=tag:!ipxe,tag:arm64http,tag:httpclient,http://10.30.255.254:7050/ipxe/luna_ipxe_arm64.efi\n",
    );
    expectGolden("netsvc/dnsmasq-arm64.conf", dnsmasq);
    // Nothing else moves: the files differ from the x86-only ones in the arm64 parts alone.
    const plain = dhcpConfig(snap).config;
    const branchless = (text: string) =>
      text.replace(/( = 00:09 \{\n.*\n)[\s\S]*?( {2}\} elsif .* = 00:0e \{)/, "$1$2");
    expect(branchless(dhcpd)).toBe(branchless(renderDhcpd(plain)));
    expect(branchless(dhcpd)).not.toContain("arm64");
    const others = (text: string) => text.split("\n").filter((l) => !l.includes("arm64"));
    expect(others(dnsmasq)).toEqual(others(renderDnsmasq(plain)));
  });

  test("without one, arm64 firmware gets no boot file (never the BIOS ROM) and arm64 groups are named", () => {
    const { config, warnings } = dhcpConfig(armed);
    expect(config.arm64).toBe(false);
    expect(warnings).toEqual([
      "Group 'compute' boots the arm64 image 'compute', but there is no arm64 iPXE: its nodes get no boot " +
        "file (install one with 'luna self-install --ipxe-arm64 FILE')",
    ]);
    const dhcpd = renderDhcpd(config);
    const branch = dhcpd.slice(dhcpd.indexOf("00:0b or"), dhcpd.indexOf("00:0e {"));
    expect(branch).toStartWith("00:0b or option client-architecture = 00:13 {\n");
    expect(branch).not.toContain("filename");
    expect(renderDnsmasq(config)).not.toContain("luna_ipxe_arm64.efi");
    expect(dhcpConfig(snap).warnings).toEqual([]); // an x86 cluster hears nothing about arm64
  });
});
