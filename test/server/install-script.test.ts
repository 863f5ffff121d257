/**
 * The rendered install script, run for real with bash against a listening daemon: a temp
 * folder is the target root, curl/tar/zstd are the real tools, and the node must end in
 * install.success with the image unpacked and hostname and network files written; a failing
 * partscript fails the install; a boot interface named BOOTIF is written for the NIC with the
 * node's MAC.
 */
import { expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { changeCluster } from "../../src/domain/cluster.ts";
import { changeGroup, changeInterface } from "../../src/domain/group.ts";
import type { Node } from "../../src/domain/model.ts";
import { changeNode } from "../../src/domain/node.ts";
import type { StoreWriter } from "../../src/domain/store.ts";
import { makeTorrent, pieceLengthFor } from "../../src/pack/torrent-file.ts";
import { createApp } from "../../src/server/app.ts";
import { MAC1, type TestCluster, testCluster } from "../helpers/cluster.ts";

interface Run {
  code: number;
  log: string;
  root: string;
  node: Node | undefined;
}

/**
 * Boots node001 as a node does (boot → discovery → install script) against a daemon on
 * 127.0.0.1:0 and runs the script with bash into a temp root; `check` sees the result before
 * everything is removed.
 */
async function install(
  check: (r: Run) => void,
  o: {
    prepare?: (tx: StoreWriter, fx: TestCluster, base: string) => Promise<unknown>;
    env?: (root: string) => Record<string, string>;
  } = {},
) {
  await using fx = await testCluster({ frontend: "127.0.0.1", nodes: 2, packed: true });
  const app = createApp({
    store: fx.store,
    log: { info() {}, warn() {}, error() {} },
    now: () => new Date(),
    secureInstall: true,
    // The node's own address (10.30.0.1) is not on this machine: the credential is still
    // required and checked, only discovery's fixed-lease address check is off.
    bootAddressCheck: false,
    counters: { installRefused: 0, unknownNodes: 0, statusReports: 0 },
  });
  const server = app.listen({ hostname: "127.0.0.1", port: 0 });
  const root = mkdtempSync(join(tmpdir(), "luna-sysroot-"));
  try {
    const port = server.server?.port as number;
    await fx.store.write(async (tx) => {
      await changeCluster(tx, { frontend_port: String(port) });
      // Never let a test program the BMC of the machine it runs on.
      await changeNode(tx, "node001", { setupbmc: "n" });
      await changeGroup(tx, "compute", { method: "http" });
      await o.prepare?.(tx, fx, `http://127.0.0.1:${port}`);
    });
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/luna?step=boot`)).status).toBe(200);
    const boot = await (await fetch(`${base}/luna?step=discovery&hwdata=${MAC1}`)).text();
    const nodeName = /luna\.node=(\S+)/.exec(boot)?.[1];
    const lunaUrl = /luna\.url=(\S+)/.exec(boot)?.[1];
    const token = /luna\.token=([0-9a-f]{64})/.exec(boot)?.[1];
    expect(nodeName).toBe("node001");
    expect((await fetch(`${lunaUrl}?step=install&node=${nodeName}`)).status).toBe(403);
    const script = await (await fetch(`${lunaUrl}?step=install&node=${nodeName}&token=${token}`)).text();
    expect(script).toStartWith("#!/bin/bash");
    const proc = Bun.spawn(["bash", "-s"], {
      stdin: new TextEncoder().encode(script),
      env: {
        ...process.env,
        LUNA_ROOT: root,
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        ...o.env?.(root),
      },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [code, log] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
    check({ code, log, root, node: await fx.store.byName("node", "node001") });
  } finally {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

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

/** A real torrent of the fixture's tarball that no tracker knows: the swarm gives nothing. */
async function unknownTorrent(fx: { path: string; tarball: string }, base: string) {
  const bytes = readFileSync(join(fx.path, "torrents", fx.tarball));
  const pieceLength = pieceLengthFor(bytes.length);
  const pieces = new Uint8Array(20 * Math.ceil(bytes.length / pieceLength));
  for (let i = 0; i * pieceLength < bytes.length; i++) {
    const piece = bytes.subarray(i * pieceLength, (i + 1) * pieceLength);
    pieces.set(new Bun.CryptoHasher("sha1").update(piece).digest(), 20 * i);
  }
  const { torrent } = makeTorrent({
    name: fx.tarball,
    size: bytes.length,
    pieceLength,
    pieces,
    announce: `${base}/announce`,
    comment: "test",
  });
  writeFileSync(join(fx.path, "torrents", "compute-1.torrent"), torrent);
}

test("a stalled swarm falls back to the web seed, and the install still succeeds", async () => {
  await install(
    ({ code, log, node }) => {
      expect(code).toBe(0);
      expect(log).toContain("luna: the swarm stalled: going on with the head node's web seed beside it");
      expect(node?.status?.step).toBe("install.success");
      expect((node?.history ?? []).map((h) => h.step)).toContain("install.download.webseed");
    },
    {
      prepare: async (tx, fx, base) => {
        await unknownTorrent(fx, base);
        await changeGroup(tx, "compute", { method: "torrent", seed_tail: "0" });
      },
      env: () => ({ LUNA_SWARM_STALL: "2", LUNA_DL_STALL: "5" }),
    },
  );
}, 60_000);

test("a BitTorrent download that makes no progress, swarm or web seed, fails the install instead of waiting forever", async () => {
  await install(
    ({ code, log, node }) => {
      expect(code).toBe(1);
      expect(log).toContain("luna: the swarm stalled: going on with the head node's web seed beside it");
      expect(log).toContain(
        "luna: aria2c exited before the download completed (no progress for 3 s, or an error):",
      );
      expect(log).toContain("luna: FATAL in download: BitTorrent download or unpack of");
      expect(node?.status?.step).toBe("install.error.download");
    },
    {
      // No tracker knows the torrent, and the web seed answers 404 (the tarball is gone).
      prepare: async (tx, fx, base) => {
        await unknownTorrent(fx, base);
        rmSync(join(fx.path, "torrents", fx.tarball));
        await changeGroup(tx, "compute", { method: "torrent" });
      },
      env: () => ({ LUNA_SWARM_STALL: "2", LUNA_DL_STALL: "3" }),
    },
  );
}, 60_000);
