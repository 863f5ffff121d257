/**
 * The rendered install script, run for real with bash against a listening daemon: a temp
 * folder is the target root, curl/tar/zstd are the real tools, and the node must end in
 * install.success with the image unpacked and hostname and network files written; a failing
 * partscript fails the install; a boot interface named BOOTIF is written for the NIC with the
 * node's MAC. The BitTorrent fallbacks, which wait out real stalls, are in
 * install-swarm.slow.test.ts.
 */
import { expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { changeGroup, changeInterface } from "../../src/domain/group.ts";
import { MAC1 } from "../helpers/cluster.ts";
import { install } from "../helpers/install-run.ts";

test("install script unpacks the image, writes hostname and ifcfg, and reports install.success", async () => {
  await install(({ code, log, root, node }) => {
    expect(log).toContain("luna: install of node001 finished");
    expect(code).toBe(0);
    expect(readFileSync(join(root, "etc", "os-release"), "utf8")).toBe("NAME=LunaTest\n");
    expect(existsSync(join(root, "usr", "bin", "hello"))).toBe(true);
    expect(readFileSync(join(root, "etc", "hostname"), "utf8")).toBe("node001.cluster\n");
    const ifcfg = readFileSync(join(root, "etc", "sysconfig", "network-scripts", "ifcfg-enp7s0"), "utf8");
    expect(ifcfg).toContain(`DEVICE=enp7s0\nNAME=enp7s0\nONBOOT=yes\nHWADDR=${MAC1}\n`);
    expect(ifcfg).toContain("IPADDR=10.30.0.1\nPREFIX=16\nNETMASK=255.255.0.0\n");
    expect(ifcfg).toEndWith("MTU=9000\n");
    expect(readFileSync(join(root, "postscript-ran"), "utf8")).toBe("post\n");
    expect(node?.status?.step).toBe("install.success");
    expect((node?.history ?? []).map((h) => h.step)).toEqual([
      "boot.request",
      "install.request",
      "install.prescript",
      "install.partscript",
      "install.download",
      "install.setnet",
      "install.postscript",
      "install.success",
    ]);
  });
});

test("a failing partscript fails the install before anything is unpacked", async () => {
  await install(
    ({ code, log, root, node }) => {
      expect(code).toBe(1);
      expect(log).toContain("luna: FATAL in partscript: partscript exited with status 3");
      expect(existsSync(join(root, "etc", "os-release"))).toBe(false);
      expect(node?.status?.step).toBe("install.error.partscript");
    },
    // `read` would wait for the console; the script's stdin is /dev/null, so it gets nothing.
    {
      prepare: (tx) => changeGroup(tx, "compute", { partscript: 'read -r answer; echo "[$answer]"; exit 3' }),
    },
  );
});

test("an IPoIB interface is written as InfiniBand, without the boot NIC's MAC", async () => {
  await install(
    ({ code, root }) => {
      expect(code).toBe(0);
      const ifcfg = readFileSync(join(root, "etc", "sysconfig", "network-scripts", "ifcfg-ib0"), "utf8");
      expect(ifcfg).toStartWith("DEVICE=ib0\nNAME=ib0\nONBOOT=yes\nTYPE=InfiniBand\n");
      expect(ifcfg).not.toContain("HWADDR");
    },
    { prepare: (tx) => changeInterface(tx, "compute", "ib0", { op: "add" }) },
  );
});

test("a boot interface named BOOTIF is written for the NIC that has the node's MAC", async () => {
  await install(
    ({ code, log, root }) => {
      expect(code).toBe(0);
      expect(log).toContain("wrote /etc/sysconfig/network-scripts/ifcfg-eth9");
      const ifcfg = readFileSync(join(root, "etc", "sysconfig", "network-scripts", "ifcfg-eth9"), "utf8");
      expect(ifcfg).toStartWith(
        `DEVICE=eth9\nNAME=eth9\nONBOOT=yes\nHWADDR=${MAC1}\nBOOTPROTO=none\nIPADDR=10.30.0.1\n`,
      );
      expect(existsSync(join(root, "etc", "sysconfig", "network-scripts", "ifcfg-BOOTIF"))).toBe(false);
    },
    {
      prepare: (tx) => changeInterface(tx, "compute", "enp7s0", { op: "rename", to: "BOOTIF" }),
      env: (root) => {
        const sys = join(root, ".fake-sys"); // removed with the root
        for (const [nic, mac] of [
          ["lo", "00:00:00:00:00:00"],
          ["eth9", MAC1.toUpperCase()],
        ] as const) {
          mkdirSync(join(sys, "class", "net", nic), { recursive: true });
          writeFileSync(join(sys, "class", "net", nic, "address"), `${mac}\n`);
        }
        return { LUNA_SYSFS: sys };
      },
    },
  );
});
