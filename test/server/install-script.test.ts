/**
 * The rendered install script, run for real with bash against a listening daemon: a temp
 * folder is the target root, curl/tar/zstd are the real tools, and the node must end in
 * install.success with the image unpacked and hostname and network files written.
 */
import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { changeCluster } from "../../src/domain/cluster.ts";
import { changeGroup } from "../../src/domain/group.ts";
import { changeNode } from "../../src/domain/node.ts";
import { createApp } from "../../src/server/app.ts";
import { clusterFixture, MAC1 } from "../helpers/cluster-fixture.ts";

test("install script unpacks the image, writes hostname and ifcfg, and reports install.success", async () => {
  await using fx = await clusterFixture({ frontend: "127.0.0.1" });
  const counters = { installRefused: 0, unknownNodes: 0, statusReports: 0 };
  const app = createApp({
    store: fx.store,
    log: { info() {}, warn() {}, error() {} },
    now: () => new Date(),
    secureInstall: true,

    counters,
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
    });
    const base = `http://127.0.0.1:${port}`;
    // As the node does: boot → discovery (binds this address) → install script.
    expect((await fetch(`${base}/luna?step=boot`)).status).toBe(200);
    const boot = await (await fetch(`${base}/luna?step=discovery&hwdata=${MAC1}`)).text();
    const nodeName = /luna\.node=(\S+)/.exec(boot)?.[1];
    const lunaUrl = /luna\.url=(\S+)/.exec(boot)?.[1];
    expect(nodeName).toBe("node001");
    const script = await (await fetch(`${lunaUrl}?step=install&node=${nodeName}`)).text();
    expect(script).toStartWith("#!/bin/bash");
    const proc = Bun.spawn(["bash", "-s"], {
      stdin: new TextEncoder().encode(script),
      env: { ...process.env, LUNA_ROOT: root, PATH: process.env.PATH ?? "/usr/bin:/bin" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [code, log] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
    expect(log).toContain("luna: install of node001 finished");
    expect(code).toBe(0);
    expect(readFileSync(join(root, "etc", "os-release"), "utf8")).toBe("NAME=LunaTest\n");
    expect(existsSync(join(root, "usr", "bin", "hello"))).toBe(true);
    expect(readFileSync(join(root, "etc", "hostname"), "utf8")).toBe("node001.cluster\n");
    const ifcfg = readFileSync(join(root, "etc", "sysconfig", "network-scripts", "ifcfg-enp7s0"), "utf8");
    expect(ifcfg).toContain("IPADDR=10.30.0.1\nPREFIX=16\nNETMASK=255.255.0.0\n");
    expect(ifcfg).toEndWith("MTU=9000\n");
    expect(readFileSync(join(root, "postscript-ran"), "utf8")).toBe("post\n");
    const node = await fx.store.byName("node", "node001");
    expect(node?.status?.step).toBe("install.success");
    const steps = (node?.history ?? []).map((h) => h.step);
    expect(steps).toEqual([
      "boot.request",
      "install.request",
      "install.prescript",
      "install.partscript",
      "install.download",
      "install.setnet",
      "install.postscript",
      "install.success",
    ]);
  } finally {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
