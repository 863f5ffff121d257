/**
 * A seed cluster built through the domain on a real SQLite file, with a cluster path holding a
 * real packed image (tar | zstd of a small tree), a kernel and an initramfs file: what route
 * tests and install-script tests need. Removed on dispose.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addBmcSetup } from "../../src/domain/bmcsetup.ts";
import { initCluster } from "../../src/domain/cluster.ts";
import { addSwitch } from "../../src/domain/devices.ts";
import { addGroup, changeGroup, changeInterface } from "../../src/domain/group.ts";
import { addNetwork } from "../../src/domain/network.ts";
import { addNodes, changeNode } from "../../src/domain/node.ts";
import { addImageVersion, addOsImage } from "../../src/domain/osimage.ts";
import type { Store } from "../../src/domain/store.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";

export interface ClusterFixture extends AsyncDisposable {
  dir: string;
  path: string;
  store: Store;
  tarball: string;
}

export const MAC1 = "52:54:00:00:00:01";

export async function clusterFixture(
  opts: { nodes?: number; frontend?: string } = {},
): Promise<ClusterFixture> {
  const dir = mkdtempSync(join(tmpdir(), "luna-fixture-"));
  const path = join(dir, "opt-luna");
  const tree = join(dir, "tree");
  for (const d of ["boot", "torrents"]) mkdirSync(join(path, d), { recursive: true });
  mkdirSync(join(tree, "etc", "sysconfig", "network-scripts"), { recursive: true });
  mkdirSync(join(tree, "boot"), { recursive: true });
  mkdirSync(join(tree, "usr", "bin"), { recursive: true });
  writeFileSync(join(tree, "etc", "os-release"), "NAME=LunaTest\n");
  writeFileSync(join(tree, "usr", "bin", "hello"), "#!/bin/sh\necho hello\n", { mode: 0o755 });
  writeFileSync(join(tree, "boot", "vmlinuz-6.1.0-test"), "kernel");
  const tarball = "compute-1.tar.zst";
  const tar = Bun.spawnSync([
    "bash",
    "-c",
    `tar --numeric-owner -C '${tree}' -cf - . | zstd -q -c > '${join(path, "torrents", tarball)}'`,
  ]);
  if (tar.exitCode !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  writeFileSync(join(path, "boot", "compute-vmlinuz-6.1.0-test"), "KERNEL-BYTES-0123456789");
  writeFileSync(join(path, "boot", "compute-initramfs-6.1.0-test"), "INITRD");
  const store = openSqliteStore(join(dir, "luna.db"));
  await store.write(async (tx) => {
    await initCluster(tx, { path, frontend_address: opts.frontend ?? "10.30.255.254" }, false);
    await addNetwork(tx, { name: "cluster", network: "10.30.0.0", prefix: 16 });
    await addNetwork(tx, { name: "ipmi", network: "10.31.0.0", prefix: 16 });
    await addOsImage(tx, { name: "compute", path: tree, kernels: ["6.1.0-test"] });
    await addImageVersion(
      tx,
      "compute",
      {
        tarball,
        torrent: "compute-1.torrent",
        infohash: "0".repeat(40),
        size: 1,
        kernfile: "compute-vmlinuz-6.1.0-test",
        initrdfile: "compute-initramfs-6.1.0-test",
      },
      "2026-01-01T00:00:00.000Z",
    );
    await addBmcSetup(tx, "base", {});
    await addSwitch(tx, "switch01", { ip: "10.31.253.21" });
    await addGroup(tx, { name: "compute", osimage: "compute", interface: "enp7s0", bmcsetup: "base" });
    await changeInterface(tx, "compute", "enp7s0", { op: "setnet", network: "cluster" });
    await changeInterface(tx, "compute", "enp7s0", { op: "edit", params: "MTU=9000" });
    await changeInterface(tx, "compute", "BMC", { op: "setnet", network: "ipmi" });
    await changeGroup(tx, "compute", {
      partscript: 'mkdir -p "$LUNA_ROOT"',
      postscript: 'echo post > "$LUNA_ROOT/postscript-ran"',
    });
    await addNodes(
      tx,
      "compute",
      Array.from({ length: opts.nodes ?? 2 }, (_, i) => `node${String(i + 1).padStart(3, "0")}`),
    );
    await changeNode(tx, "node001", { mac: MAC1, switch: "switch01", port: "1" });
  });
  return {
    dir,
    path,
    store,
    tarball,
    async [Symbol.asyncDispose]() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
