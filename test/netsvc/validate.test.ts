/**
 * The generated files pass the daemons' own parsers: `dhcpd -t`, `dnsmasq --test`,
 * `named-checkconf -z` (which loads every zone through the include) and `named-checkzone`.
 * Each checker is first shown a broken file, so a checker that accepts anything fails the test.
 * The tools come from isc-dhcp-server, dnsmasq-base and bind9-utils (.ci/run installs them).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dhcpConfig } from "../../src/domain/netsvc/dhcp.ts";
import { dnsZones } from "../../src/domain/netsvc/dns.ts";
import { bindZones, renderNamedInclude } from "../../src/netsvc/bind.ts";
import { findTool } from "../../src/netsvc/check.ts";
import { renderDhcpd } from "../../src/netsvc/dhcpd.ts";
import { renderDnsmasq } from "../../src/netsvc/dnsmasq.ts";
import { testCluster } from "../helpers/cluster.ts";

const dir = mkdtempSync(join(tmpdir(), "luna-validate-"));
const fixture = await testCluster({ nodes: 3, services: true, ipv6: true });
const snap = await fixture.snapshot();
afterAll(async () => {
  await fixture[Symbol.asyncDispose]();
  rmSync(dir, { recursive: true, force: true });
});

function tool(name: string, args: string[]): { code: number; out: string } {
  const bin = findTool(name);
  if (!bin)
    throw new Error(`${name} is not installed (apt-get install isc-dhcp-server dnsmasq-base bind9-utils)`);
  const r = Bun.spawnSync([bin, ...args], { stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: `${r.stdout}${r.stderr}` };
}

const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe("generated configs pass the real tools", () => {
  const { config } = dhcpConfig(snap);

  test("dhcpd -t accepts dhcpd.conf and rejects a broken one", () => {
    const good = renderDhcpd(config);
    const broken = good.replace("range 10.30.200.1", "range 10.30.200.x");
    expect(tool("dhcpd", ["-t", "-4", "-cf", file("broken-dhcpd.conf", broken)]).code).not.toBe(0);
    const r = tool("dhcpd", ["-t", "-4", "-cf", file("dhcpd.conf", good)]);
    expect(r.out).not.toContain("rror");
    expect(r.code).toBe(0);
  });

  test("dnsmasq --test accepts the dnsmasq config (with IPv6) and rejects a broken one", () => {
    const good = renderDnsmasq(config);
    const broken = good.replace(",static,", ",statik,");
    expect(tool("dnsmasq", ["--test", `--conf-file=${file("broken-dnsmasq.conf", broken)}`]).code).not.toBe(
      0,
    );
    const r = tool("dnsmasq", ["--test", `--conf-file=${file("dnsmasq.conf", good)}`]);
    expect(r.out).toContain("syntax check OK");
    expect(r.code).toBe(0);
  });

  test("dhcpd -t and dnsmasq --test accept the files with the arm64 iPXE answer", () => {
    const arm = { ...config, arm64: true };
    const dhcpd = tool("dhcpd", ["-t", "-4", "-cf", file("dhcpd-arm64.conf", renderDhcpd(arm))]);
    expect(dhcpd.out).not.toContain("rror");
    expect(dhcpd.code).toBe(0);
    const dnsmasq = tool("dnsmasq", [
      "--test",
      `--conf-file=${file("dnsmasq-arm64.conf", renderDnsmasq(arm))}`,
    ]);
    expect(dnsmasq.out).toContain("syntax check OK");
    expect(dnsmasq.code).toBe(0);
  });

  test("named-checkconf -z loads every zone through the include; named-checkzone accepts each", () => {
    const bind = bindZones(dnsZones(snap, { frontendName: "head" }).zones);
    for (const d of bind.docs) file(d.file, d.render(2026010100));
    const include = file("named.luna.zones", renderNamedInclude(bind.docs, dir));
    const all = tool("named-checkconf", ["-z", include]);
    expect(all.out).not.toMatch(/error|not loaded/i);
    expect(all.code).toBe(0);
    expect(all.out.match(/loaded serial 2026010100/g)).toHaveLength(bind.docs.length);
    for (const d of bind.docs) {
      const r = tool("named-checkzone", ["-k", "fail", d.zone, join(dir, d.file)]);
      expect(`${d.zone}: ${r.code}`).toBe(`${d.zone}: 0`);
    }
    const cluster = bind.docs.find((d) => d.zone === "cluster");
    const broken = cluster?.render(1).replace("node001 IN A", "node_001 IN A") ?? "";
    expect(tool("named-checkzone", ["-k", "fail", "cluster", file("broken.zone", broken)]).code).not.toBe(0);
  });
});
