/**
 * Installs node001 for real: boots it as a node does (boot → discovery → install script)
 * against a daemon on 127.0.0.1:0 serving a packed test cluster, and runs the install script
 * with bash into a temp root, so a test sees the log, the target root and the node's status.
 */
import { expect } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { changeCluster } from "../../src/domain/cluster.ts";
import { changeGroup } from "../../src/domain/group.ts";
import type { Node } from "../../src/domain/model.ts";
import { changeNode } from "../../src/domain/node.ts";
import type { StoreWriter } from "../../src/domain/store.ts";
import { createApp } from "../../src/server/app.ts";
import { MAC1, type TestCluster, testCluster } from "./cluster.ts";

export interface Run {
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
export async function install(
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
