/**
 * The boot-interface functions (luna-net-lib.sh) and the DHCP hook (luna-dhcp-script.sh),
 * run by real shells against a fake /sys tree and stub `ip`/`dhclient` commands that only
 * log their arguments: nothing touches this machine's interfaces.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  MODULE_DIR,
  runNodeShell,
  SHELLS,
  tempDir,
  writeStubs,
  writeTree,
} from "../../helpers/node-shell.ts";

const MAC1 = "52:54:00:00:00:01";
const IB_GUID = "00:02:c9:03:00:0e:b5:71";

function fakeSys(root: string, carrier = "1"): void {
  writeTree(root, {
    "class/net/lo/address": "00:00:00:00:00:00",
    "class/net/lo/type": "772",
    "class/net/enp1s0/address": "52:54:00:00:00:09",
    "class/net/enp1s0/type": "1",
    "class/net/enp1s0/carrier": "0",
    "class/net/enp7s0/address": MAC1,
    "class/net/enp7s0/type": "1",
    "class/net/enp7s0/carrier": carrier,
    "class/net/ib0/address": `80:00:02:08:fe:80:00:00:00:00:00:00:${IB_GUID}`,
    "class/net/ib0/type": "32",
  });
}

const calls = (dir: string) =>
  existsSync(join(dir, "calls.log")) ? readFileSync(join(dir, "calls.log"), "utf8").trim().split("\n") : [];

for (const shell of SHELLS) {
  describe(`boot interface under ${shell}`, () => {
    const net = (
      dir: string,
      script: string,
      env: Record<string, string> = {},
      o: { stubs?: string; source?: string[] } = {},
    ) =>
      runNodeShell(shell, script, {
        source: o.source ?? ["luna-lib.sh", "luna-net-lib.sh"],
        stubs: o.stubs ?? writeStubs(dir, ["ip", "dhclient"]),
        env: {
          LUNA_SYSFS: join(dir, "sys"),
          LUNA_RUN_DIR: dir,
          LUNA_LINK_WAIT: "0",
          LUNA_IPCONFIG: "/nonexistent",
          ...env,
        },
      });

    test("luna_nic_by_mac finds Ethernet by the whole MAC and InfiniBand by the port GUID", () => {
      using dir = tempDir();
      fakeSys(join(dir.path, "sys"));
      const r = net(
        dir.path,
        `luna_nic_by_mac ${MAC1}; luna_nic_by_mac 80:00:0a:48:fe:80:00:00:00:00:00:00:${IB_GUID}
luna_nic_by_mac 52:54:00:00:00:02 || echo "none $?"
luna_nic_by_mac 00:00:00:01 || echo "short none $?"`,
      );
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("enp7s0\nib0\nnone 1\nshort none 1\n");
    });

    test("luna_dhcp_nics offers the luna.mac NIC, else every Ethernet and InfiniBand one", () => {
      using dir = tempDir();
      fakeSys(join(dir.path, "sys"));
      const r = net(dir.path, `LUNA_MAC=${MAC1} luna_dhcp_nics; echo --; LUNA_MAC= luna_dhcp_nics`);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("enp7s0\n--\nenp1s0\nenp7s0\nib0\n");
    });

    test("static boot puts luna.ip on the NIC with luna.mac and notes it", () => {
      using dir = tempDir();
      fakeSys(join(dir.path, "sys"));
      const r = net(dir.path, "luna_net_up", {
        LUNA_BOOTPROTO: "static",
        LUNA_MAC: MAC1,
        LUNA_IP: "10.30.0.1/16",
      });
      expect(r.code).toBe(0);
      expect(calls(dir.path)).toEqual([
        "ip link set dev lo up",
        "ip link set dev enp7s0 up",
        "ip addr replace 10.30.0.1/16 dev enp7s0",
      ]);
      expect(readFileSync(join(dir.path, "luna.bootif"), "utf8")).toBe("enp7s0\n");
      expect(r.stderr).toContain("luna: boot interface enp7s0 (52:54:00:00:00:01) has 10.30.0.1/16");
    });

    test("static boot without a NIC of that MAC falls back to DHCP on every NIC", () => {
      using dir = tempDir();
      fakeSys(join(dir.path, "sys"));
      const r = net(dir.path, "luna_net_up", {
        LUNA_BOOTPROTO: "static",
        LUNA_MAC: "52:54:00:00:00:02",
        LUNA_IP: "10.30.0.1/16",
      });
      expect(r.code).toBe(0);
      expect(r.stderr).toContain("luna: no interface has MAC 52:54:00:00:00:02");
      expect(r.stderr).toContain("luna: static set-up of 10.30.0.1/16 not possible; falling back to DHCP");
      expect(calls(dir.path).at(-1)).toBe(
        `dhclient -1 -pf ${dir.path}/luna-dhclient.pid -lf ${dir.path}/luna-dhclient.leases -sf /sbin/luna-dhcp-script enp1s0 enp7s0 ib0`,
      );
    });

    test("a link without carrier is waited for, then tried anyway", () => {
      using dir = tempDir();
      fakeSys(join(dir.path, "sys"), "0");
      const r = net(dir.path, "luna_net_up", {
        LUNA_BOOTPROTO: "static",
        LUNA_MAC: MAC1,
        LUNA_IP: "10.30.0.1/16",
      });
      expect(r.code).toBe(0);
      expect(r.stderr).toContain("luna: no link on enp7s0 after 0 s; trying anyway");
    });

    test("DHCP without any client says what to install and fails", () => {
      using dir = tempDir();
      fakeSys(join(dir.path, "sys"));
      const r = net(
        dir.path,
        "luna_net_up",
        { LUNA_BOOTPROTO: "dhcp", LUNA_MAC: "" },
        { stubs: writeStubs(dir.path, ["ip"]) },
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("luna: no DHCP client (dhclient, udhcpc, busybox, klibc ipconfig)");
    });

    test("DHCP that fails at first is tried again with backoff, up to LUNA_NET_TRIES", () => {
      using dir = tempDir();
      fakeSys(join(dir.path, "sys"));
      writeStubs(dir.path, ["ip"]);
      // udhcpc succeeds from its third call on (a switch port that starts forwarding late)
      const log = join(dir.path, "calls.log");
      const bin = writeStubs(dir.path, ["udhcpc"], `[ "$(grep -c '^udhcpc' '${log}')" -ge 3 ]`);
      const up = (tries: string) =>
        net(
          dir.path,
          "luna_net_up_retry",
          { LUNA_BOOTPROTO: "dhcp", LUNA_MAC: MAC1, LUNA_PAUSE: "0", LUNA_NET_TRIES: tries },
          { stubs: bin, source: ["luna-lib.sh", "luna-net-lib.sh", "luna-install-lib.sh"] },
        );
      const short = up("2");
      expect(short.code).toBe(1);
      expect(short.stderr).toContain("luna: no boot interface yet (try 1 of 2); next try in 0 s");
      expect(calls(dir.path).filter((c) => c.startsWith("udhcpc"))).toHaveLength(2);
      rmSync(log);
      const enough = up("5");
      expect(enough.code).toBe(0);
      expect(calls(dir.path).filter((c) => c.startsWith("udhcpc"))).toHaveLength(3);
    });

    test("luna_net_down flushes the boot interface and stops dhclient", async () => {
      using dir = tempDir();
      const dhclient = Bun.spawn(["sleep", "60"]);
      // A guard, not a wait: if luna_net_down did not stop it, SIGKILL ends it and the test fails.
      const guard = setTimeout(() => dhclient.kill("SIGKILL"), 10_000);
      writeTree(dir.path, { "luna.bootif": "enp7s0", "luna-dhclient.pid": String(dhclient.pid) });
      const r = net(dir.path, "luna_net_down");
      await dhclient.exited;
      clearTimeout(guard);
      expect(r.code).toBe(0);
      expect(dhclient.signalCode).toBe("SIGTERM");
      expect(calls(dir.path)).toEqual(["ip addr flush dev enp7s0", "ip link set dev enp7s0 down"]);
      expect(existsSync(join(dir.path, "luna-dhclient.pid"))).toBe(false);
      expect(r.stderr).toBe("luna: released enp7s0 for the installed system\n");
    });
  });
}

const LEASES: [string, string[], Record<string, string>, string[], string | null][] = [
  [
    "dhclient BOUND",
    [],
    {
      reason: "BOUND",
      interface: "eth0",
      new_ip_address: "10.1.2.3",
      new_subnet_mask: "255.255.240.0",
      new_routers: "10.1.0.1 10.1.0.2",
      new_domain_name_servers: "10.1.0.53 10.1.0.54",
    },
    [
      "ip link set dev eth0 up",
      "ip addr replace 10.1.2.3/20 dev eth0",
      "ip route replace default via 10.1.0.1 dev eth0",
    ],
    "nameserver 10.1.0.53\nnameserver 10.1.0.54\n",
  ],
  [
    "dhclient RENEW with a new address",
    [],
    {
      reason: "RENEW",
      interface: "eth0",
      old_ip_address: "10.1.2.3",
      new_ip_address: "10.1.2.4",
      new_subnet_mask: "255.255.255.0",
    },
    ["ip addr flush dev eth0", "ip link set dev eth0 up", "ip addr replace 10.1.2.4/24 dev eth0"],
    null,
  ],
  ["dhclient PREINIT", [], { reason: "PREINIT", interface: "eth0" }, ["ip link set dev eth0 up"], null],
  ["dhclient EXPIRE", [], { reason: "EXPIRE", interface: "eth0" }, ["ip addr flush dev eth0"], null],
  [
    "udhcpc bound (mask as a prefix)",
    ["bound"],
    {
      interface: "eth1",
      ip: "192.168.7.9",
      mask: "23",
      subnet: "255.255.254.0",
      router: "192.168.6.1",
      dns: "192.168.6.53",
    },
    [
      "ip link set dev eth1 up",
      "ip addr replace 192.168.7.9/23 dev eth1",
      "ip route replace default via 192.168.6.1 dev eth1",
    ],
    "nameserver 192.168.6.53\n",
  ],
  [
    "udhcpc bound (dotted subnet only)",
    ["bound"],
    { interface: "eth1", ip: "10.0.0.9", subnet: "255.0.0.0" },
    ["ip link set dev eth1 up", "ip addr replace 10.0.0.9/8 dev eth1"],
    null,
  ],
  ["udhcpc deconfig", ["deconfig"], { interface: "eth1" }, ["ip addr flush dev eth1"], null],
];

describe("luna-dhcp-script", () => {
  for (const [what, args, lease, ipCalls, resolv] of LEASES) {
    test(`applies ${what}`, () => {
      using dir = tempDir();
      const resolvConf = join(dir.path, "resolv.conf");
      const r = Bun.spawnSync(["sh", join(MODULE_DIR, "luna-dhcp-script.sh"), ...args], {
        env: {
          PATH: `${writeStubs(dir.path, ["ip"])}:/usr/bin:/bin`,
          LUNA_RUN_DIR: dir.path,
          LUNA_RESOLV_CONF: resolvConf,
          ...lease,
        },
      });
      expect(r.exitCode).toBe(0);
      expect(calls(dir.path)).toEqual(ipCalls);
      expect(existsSync(resolvConf) ? readFileSync(resolvConf, "utf8") : null).toBe(resolv);
      const bound = ipCalls.some((c) => c.includes("addr replace"));
      expect(existsSync(join(dir.path, "luna.bootif"))).toBe(bound);
    });
  }

  test("fails when the address cannot be set, so the client does not take the lease", () => {
    using dir = tempDir();
    const r = Bun.spawnSync(["sh", join(MODULE_DIR, "luna-dhcp-script.sh"), "bound"], {
      env: {
        PATH: `${writeStubs(dir.path, ["ip"], "exit 2")}:/usr/bin:/bin`,
        LUNA_RUN_DIR: dir.path,
        interface: "eth1",
        ip: "10.0.0.9",
        mask: "8",
      },
    });
    expect(r.exitCode).toBe(1);
  });
});
