/**
 * `luna cluster makedhcp` and `luna cluster makedns` through the compiled binary on the seed
 * cluster: refused ranges change nothing, --dry-run prints a diff and writes nothing, files are
 * written atomically (mode kept), an unchanged cluster leaves files and serials alone, --reload
 * runs only after a change, and what is written passes dhcpd, dnsmasq and named-checkconf.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { findTool } from "../../src/netsvc/check.ts";
import { peHeader } from "../helpers/arch-files.ts";
import { type Sandbox, sandbox } from "../helpers/luna.ts";
import { SEED } from "../helpers/seed-walkthrough.ts";

let box: Sandbox;
let out: (name: string) => string;

beforeAll(async () => {
  box = await sandbox();
  out = (name) => join(box.dir, name);
  const seed = await box.sh(`${SEED(box.imageTree())}
luna node add -g compute
luna node change node001 --mac 52:54:00:00:00:01
luna otherdev add -n pdu01 -N cluster -i 10.30.250.1 --mac 52:54:00:aa:00:01
`);
  expect(seed.stderr).toBe("");
  expect(seed.code).toBe(0);
  // A stand-in systemctl records what --reload asks of it.
  writeFileSync(join(box.dir, "bin", "systemctl"), `#!/bin/sh\necho "$@" >> "${out("systemctl.log")}"\n`, {
    mode: 0o755,
  });
});
afterAll(async () => {
  await box?.[Symbol.asyncDispose]();
});

/** A file that reads as an arm64 EFI binary, as self-install --ipxe-arm64 wants. */
const arm64Efi = () => {
  writeFileSync(out("ipxe-arm64.efi"), peHeader(0xaa64));
  return out("ipxe-arm64.efi");
};

const tool = (name: string, args: string[]) => {
  const bin = findTool(name);
  if (!bin) throw new Error(`${name} is not installed`);
  const r = Bun.spawnSync([bin, ...args], { stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: `${r.stdout}${r.stderr}` };
};

describe("makedhcp", () => {
  test.each([
    [[], 2, /No DHCP range is set yet/],
    [
      ["-N", "cluster", "-s", "10.30.0.1", "-e", "10.30.0.9"],
      4,
      /overlaps used addresses .*node\/node001:enp7s0 \(10.30.0.1\)/,
    ],
    [["-N", "cluster", "-s", "10.30.9.9", "-e", "10.30.9.1"], 2, /lies before its start/],
    [
      ["-N", "ipmi", "-s", "10.31.9.1", "-e", "10.31.9.9"],
      4,
      /frontend address 10.30.255.254 is not in network 'ipmi'/,
    ],
    [["-N", "cluster", "-s", "10.30.9.1"], 2, /needs both --start_ip and --end_ip/],
    [["--format", "isc"], 2, /Invalid --format 'isc'/],
  ])("%j is refused (exit %d) and changes nothing", async (args, code, says) => {
    const before = box.dump();
    const r = await box.luna(["cluster", "makedhcp", ...args, "--out", out("dhcpd.conf")]);
    expect(r.stderr).toMatch(says);
    expect(r.code).toBe(code);
    expect(box.dump()).toBe(before);
    expect(existsSync(out("dhcpd.conf"))).toBe(false);
  });

  test("--dry-run prints the whole new file as a diff and stores no range", async () => {
    const before = box.dump();
    const r = await box.luna(
      ["cluster", "makedhcp", "-N", "cluster", "-s", "10.30.200.1", "-e", "10.30.200.254"].concat([
        "--out",
        out("dhcpd.conf"),
        "--dry-run",
      ]),
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toStartWith(`--- /dev/null\n+++ ${out("dhcpd.conf")}\n@@ -0,0 +1,`);
    expect(r.stdout).toContain("\n+  range 10.30.200.1 10.30.200.254;\n");
    expect(box.dump()).toBe(before);
    expect(existsSync(out("dhcpd.conf"))).toBe(false);
  });

  test("writes a dhcpd.conf that dhcpd -t accepts, then leaves it alone while nothing changes", async () => {
    const r = await box.luna([
      "cluster",
      "makedhcp",
      "-N",
      "cluster",
      "-s",
      "10.30.200.1",
      "-e",
      "10.30.200.254",
      "--out",
      out("dhcpd.conf"),
    ]);
    expect(r).toEqual({
      code: 0,
      stdout: `Wrote ${out("dhcpd.conf")}\nRange 10.30.200.1-10.30.200.254 on cluster, 2 fixed leases\n`,
      stderr: "",
    });
    const text = readFileSync(out("dhcpd.conf"), "utf8");
    expect(text).toContain("host node001 { hardware ethernet 52:54:00:00:00:01; fixed-address 10.30.0.1;");
    expect(text).toContain("host pdu01 { hardware ethernet 52:54:00:aa:00:01; fixed-address 10.30.250.1;");
    expect(tool("dhcpd", ["-t", "-4", "-cf", out("dhcpd.conf")]).code).toBe(0);
    const cluster = JSON.parse((await box.luna(["cluster", "show", "--json"])).stdout);
    expect(cluster).toMatchObject({
      dhcp_net: "cluster",
      dhcp_range_start: "10.30.200.1",
      dhcp_range_end: "10.30.200.254",
    });
    chmodSync(out("dhcpd.conf"), 0o640);
    const again = await box.luna([
      "cluster",
      "makedhcp",
      "--out",
      out("dhcpd.conf"),
      "--reload",
      "--service",
      "isc-dhcp-server",
    ]);
    expect(again.stdout).toStartWith(`Unchanged ${out("dhcpd.conf")}\n`);
    expect(again.stdout).toContain("Nothing changed; the service was left alone\n");
    expect(existsSync(out("systemctl.log"))).toBe(false);
  });

  test("a new MAC shows as a one-line diff, then is written (mode kept) and the service restarted", async () => {
    expect((await box.luna(["node", "change", "node002", "--mac", "52:54:00:00:00:02"])).code).toBe(0);
    const dry = await box.luna(["cluster", "makedhcp", "--out", out("dhcpd.conf"), "--dry-run"]);
    expect(dry.stdout.split("\n").filter((l) => /^[+-][^+-]/.test(l))).toEqual([
      '+host node002 { hardware ethernet 52:54:00:00:00:02; fixed-address 10.30.0.2; option host-name "node002"; }',
    ]);
    const r = await box.luna([
      "cluster",
      "makedhcp",
      "--out",
      out("dhcpd.conf"),
      "--reload",
      "--service",
      "isc-dhcp-server",
    ]);
    expect(r.stdout).toContain(`Updated ${out("dhcpd.conf")}\n`);
    expect(r.stdout).toContain("Ran systemctl restart isc-dhcp-server\n");
    expect(readFileSync(out("systemctl.log"), "utf8")).toBe("restart isc-dhcp-server\n");
    expect(statSync(out("dhcpd.conf")).mode & 0o777).toBe(0o640);
  });

  test("--format dnsmasq --out - prints a config dnsmasq --test accepts", async () => {
    const r = await box.luna(["cluster", "makedhcp", "--format", "dnsmasq", "--out", "-"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("\ndhcp-boot=tag:ipxe,http://10.30.255.254:7050/luna?step=boot\n");
    writeFileSync(out("dnsmasq.conf"), r.stdout);
    const t = tool("dnsmasq", ["--test", `--conf-file=${out("dnsmasq.conf")}`]);
    expect(t.out).toContain("syntax check OK");
  });

  test("arm64 firmware gets the arm64 iPXE once it is in the TFTP root of luna.conf", async () => {
    const root = out("tftp");
    writeFileSync(out("luna.conf"), `[tftp]\nroot = "${root}"\n`);
    const make = () => box.luna(["--config", out("luna.conf"), "cluster", "makedhcp", "--out", "-"]);
    const without = await make();
    expect(without.code).toBe(0);
    expect(without.stdout).toContain(
      "  } elsif option client-architecture = 00:0b or option client-architecture = 00:13 {\n    # arm64 UEFI: no arm64",
    );
    const self = await box.luna([
      "self-install",
      "--destdir",
      out("head"),
      "--tftproot",
      root,
      "--ipxe-arm64",
      arm64Efi(),
    ]);
    expect(self.code).toBe(0);
    // --destdir puts it under the destdir: move it where luna.conf says the TFTP root is.
    mkdirSync(root, { recursive: true });
    renameSync(join(out("head"), root, "luna_ipxe_arm64.efi"), join(root, "luna_ipxe_arm64.efi"));
    const armed = await make();
    expect(armed.code).toBe(0);
    expect(armed.stdout).toContain(
      'option client-architecture = 00:13 {\n    filename "luna_ipxe_arm64.efi";\n',
    );
  });
});

describe("makedns", () => {
  const zone = (name: string) => readFileSync(join(out("dns"), `${name}.luna.zone`), "utf8");
  const serial = (name: string) => Number(/(\d+) ; serial/.exec(zone(name))?.[1]);

  test("writes an include and zones that named-checkconf -z loads, with node-bmc names", async () => {
    const r = await box.luna(["cluster", "makedns", "--out", out("dns")]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const include = join(out("dns"), "named.luna.zones");
    expect(r.stdout.split("\n")[0]).toBe(`Wrote ${include}`);
    const check = tool("named-checkconf", ["-z", include]);
    expect(check.code).toBe(0);
    expect(check.out.match(/loaded serial/g)).toHaveLength(4);
    expect(zone("ipmi")).toMatch(/\nnode001-bmc IN A 10.31.0.1\n/);
    expect(zone("31.10.in-addr.arpa")).toMatch(/\n21\.253 +IN PTR switch01\.ipmi\.\n/);
  });

  test("an unchanged cluster keeps every file; a new node bumps the serial of the zones it is in", async () => {
    const before = serial("cluster");
    const same = await box.luna(["cluster", "makedns", "--out", out("dns")]);
    expect(same.stdout).not.toMatch(/Wrote|Updated/);
    expect(serial("cluster")).toBe(before);
    expect((await box.luna(["node", "add", "-g", "compute"])).stdout).toBe("node003\n");
    const r = await box.luna(["cluster", "makedns", "--out", out("dns")]);
    expect(r.stdout).toContain(`Updated ${join(out("dns"), "cluster.luna.zone")}\n`);
    expect(r.stdout).toContain(`Unchanged ${join(out("dns"), "named.luna.zones")}\n`);
    expect(serial("cluster")).toBeGreaterThan(before);
    expect(zone("cluster")).toContain("\nnode003 IN A 10.30.0.3\n");
    expect(
      tool("named-checkzone", ["-k", "fail", "cluster", join(out("dns"), "cluster.luna.zone")]).code,
    ).toBe(0);
  });

  test("renaming a network renames its zone and removes the old file", async () => {
    expect((await box.luna(["network", "rename", "ipmi", "--newname", "bmc"])).code).toBe(0);
    const dry = await box.luna(["cluster", "makedns", "--out", out("dns"), "--dry-run"]);
    expect(dry.stdout).toContain(`--- ${join(out("dns"), "ipmi.luna.zone")}\n+++ /dev/null\n`);
    const r = await box.luna(["cluster", "makedns", "--out", out("dns")]);
    expect(r.stdout).toContain(`Removed ${join(out("dns"), "ipmi.luna.zone")}\n`);
    expect(existsSync(join(out("dns"), "ipmi.luna.zone"))).toBe(false);
    expect(zone("bmc")).toContain("\nnode001-bmc IN A 10.31.0.1\n");
    expect(tool("named-checkconf", ["-z", join(out("dns"), "named.luna.zones")]).code).toBe(0);
  });

  test("--format hosts replaces only luna's block of a hosts file", async () => {
    writeFileSync(out("hosts"), "127.0.0.1 localhost\n");
    expect((await box.luna(["cluster", "makedns", "--format", "hosts", "--out", out("hosts")])).code).toBe(0);
    writeFileSync(out("hosts"), `${readFileSync(out("hosts"), "utf8")}192.0.2.1 printer\n`);
    expect((await box.luna(["node", "delete", "node003"])).code).toBe(0);
    expect((await box.luna(["cluster", "makedns", "--format", "hosts", "--out", out("hosts")])).code).toBe(0);
    const text = readFileSync(out("hosts"), "utf8");
    expect(text).toStartWith("127.0.0.1 localhost\n# BEGIN luna");
    expect(text).toEndWith("# END luna\n192.0.2.1 printer\n");
    expect(text).toContain("\n10.30.0.1     node001.cluster node001\n");
    expect(text).toContain("\n10.31.0.1     node001-bmc.bmc node001-bmc\n");
    expect(text).not.toContain("node003");
  });
});
