/**
 * The install script's network files, format by format: the body's functions are sourced by
 * bash (LUNA_SOURCE_ONLY=1) and luna_write_iface writes into a temp root that looks like a
 * NetworkManager, systemd-networkd, Debian or RHEL image. The group's parameters are ifcfg
 * lines: an MTU is translated for the other formats, anything else is left with a note.
 */
import { expect, test } from "bun:test";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { exec } from "../../src/lib/exec.ts";
import { tempDir } from "../dracut/node-shell.ts";

const BODY = join(import.meta.dir, "..", "..", "node", "install-body.sh");
const MAC = "52:54:00:00:00:01";

/** Runs luna_write_iface FMT NAME IP4 PREFIX4 MASK4 IP6 PREFIX6 PARAMS MAC in `root`. */
async function write(root: string, args: string[]) {
  const r = await exec(["bash", "-c", `source '${BODY}' && luna_write_iface "$@"`, "luna", ...args], {
    env: {
      PATH: "/usr/bin:/bin",
      LUNA_URL: "http://127.0.0.1:1/luna",
      LUNA_NODE: "n1",
      LUNA_ROOT: root,
      LUNA_SOURCE_ONLY: "1",
    },
  });
  expect(r.code).toBe(0);
  return r.stderr;
}

test("NetworkManager: the MTU and the boot NIC's MAC go in the link section; IPoIB is infiniband", async () => {
  using dir = tempDir("luna-netfiles-");
  mkdirSync(join(dir.path, "etc", "NetworkManager"), { recursive: true });
  await write(dir.path, ["nm", "enp7s0", "10.30.0.1", "16", "255.255.0.0", "", "", "MTU=9000", MAC]);
  await write(dir.path, ["nm", "ib0", "10.40.0.1", "16", "255.255.0.0", "", "", 'MTU="65520"', ""]);
  const eth = readFileSync(
    join(dir.path, "etc/NetworkManager/system-connections/enp7s0.nmconnection"),
    "utf8",
  );
  expect(eth).toStartWith(
    `[connection]\nid=enp7s0\ntype=ethernet\ninterface-name=enp7s0\n\n[ethernet]\nmac-address=${MAC}\nmtu=9000\n\n[ipv4]\nmethod=manual\naddress1=10.30.0.1/16\n`,
  );
  expect(eth).not.toContain("MTU=");
  const ib = readFileSync(join(dir.path, "etc/NetworkManager/system-connections/ib0.nmconnection"), "utf8");
  expect(ib).toContain("type=infiniband\ninterface-name=ib0\n\n[infiniband]\nmtu=65520\n\n[ipv4]\n");
});

test("systemd-networkd gets [Link] MTUBytes; Debian gets an mtu option; other ifcfg lines are noted", async () => {
  using dir = tempDir("luna-netfiles-");
  mkdirSync(join(dir.path, "etc", "systemd", "network"), { recursive: true });
  const log = await write(dir.path, [
    "networkd",
    "enp7s0",
    "10.30.0.1",
    "16",
    "",
    "",
    "",
    "MTU=9000\nETHTOOL_OPTS=x",
    MAC,
  ]);
  expect(readFileSync(join(dir.path, "etc/systemd/network/10-luna-enp7s0.network"), "utf8")).toBe(
    `[Match]\nName=enp7s0\nMACAddress=${MAC}\n\n[Link]\nMTUBytes=9000\n\n[Network]\nAddress=10.30.0.1/16\n`,
  );
  expect(log).toContain(
    "enp7s0: parameters other than MTU are ifcfg lines and were not translated for networkd",
  );

  using deb = tempDir("luna-netfiles-");
  mkdirSync(join(deb.path, "etc", "network"), { recursive: true });
  const quiet = await write(deb.path, ["debian", "eno1", "10.30.0.2", "16", "", "", "", "MTU=9000", ""]);
  expect(readFileSync(join(deb.path, "etc/network/interfaces.d/eno1"), "utf8")).toBe(
    "auto eno1\niface eno1 inet static\n    address 10.30.0.2/16\n    mtu 9000\n",
  );
  expect(quiet).not.toContain("not translated");
});

test("ifcfg keeps the parameters as they are", async () => {
  using dir = tempDir("luna-netfiles-");
  mkdirSync(join(dir.path, "etc", "sysconfig", "network-scripts"), { recursive: true });
  await write(dir.path, [
    "ifcfg",
    "enp7s0",
    "10.30.0.1",
    "16",
    "255.255.0.0",
    "",
    "",
    "MTU=9000\nETHTOOL_OPTS=x",
    MAC,
  ]);
  expect(readFileSync(join(dir.path, "etc/sysconfig/network-scripts/ifcfg-enp7s0"), "utf8")).toBe(
    `DEVICE=enp7s0\nNAME=enp7s0\nONBOOT=yes\nHWADDR=${MAC}\nBOOTPROTO=none\nIPADDR=10.30.0.1\nPREFIX=16\nNETMASK=255.255.0.0\nMTU=9000\nETHTOOL_OPTS=x\n`,
  );
});
