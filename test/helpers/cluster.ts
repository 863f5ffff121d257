/**
 * The one test cluster, built through the domain's use cases on a real SQLite file in a temp
 * dir (removed on dispose). Always: cluster (frontend 10.30.255.254, path <dir>/opt-luna),
 * networks cluster 10.30.0.0/16 and ipmi 10.31.0.0/16, osimage compute (kernel 6.1.0-test,
 * tree <dir>/tree), bmcsetup base, switch01 10.31.253.21, and group compute (enp7s0 on
 * cluster, BMC on ipmi). Options add what a caller needs:
 * - `nodes`: that many nodes in compute (node001, ...); the first gets MAC1 on switch01 port 1;
 * - `packed`: a real packed image (tar | zstd of a small tree) with its kernel and initramfs in
 *   the cluster path and an image version, plus what an install runs (MTU=9000 on enp7s0, a
 *   partscript and a postscript): for route, install-script and BitTorrent tests;
 * - `ipv6`: network cluster6 (fd00:30::/64) on enp7s0 as well;
 * - `services`: what the network-service goldens render besides nodes: a PDU with a MAC, the
 *   second node's MAC and the DHCP range 10.30.200.1-10.30.200.254.
 */
import { expect } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addBmcSetup } from "../../src/domain/bmcsetup.ts";
import { initCluster } from "../../src/domain/cluster.ts";
import { addOtherDev, addSwitch } from "../../src/domain/devices.ts";
import { AppError, type ErrorCode } from "../../src/domain/errors.ts";
import { addGroup, changeGroup, changeInterface } from "../../src/domain/group.ts";
import type { Kind, Kinds, Network, Node } from "../../src/domain/model.ts";
import { setDhcpRange } from "../../src/domain/netsvc/dhcp.ts";
import { type ClusterSnapshot, loadSnapshot } from "../../src/domain/netsvc/netdata.ts";
import { addNetwork, isReserved } from "../../src/domain/network.ts";
import { addNodes, changeNode } from "../../src/domain/node.ts";
import { addImageVersion, addOsImage } from "../../src/domain/osimage.ts";
import type { Store, StoreWriter } from "../../src/domain/store.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";

export const MAC1 = "52:54:00:00:00:01";
export const MAC2 = "52:54:00:00:00:02";

export interface ClusterOptions {
  frontend?: string;
  nodeprefix?: string;
  nodedigits?: string;
  nodes?: number;
  packed?: boolean;
  ipv6?: boolean;
  services?: boolean;
}

export interface TestCluster extends AsyncDisposable {
  dir: string;
  /** The cluster path (boot files, torrents). */
  path: string;
  store: Store;
  /** The packed tarball's file name in <path>/torrents (with `packed`). */
  tarball: string;
  /** Runs `fn` as one write transaction. */
  write<T>(fn: (tx: StoreWriter) => Promise<T>): Promise<T>;
  get<K extends Kind>(kind: K, name: string): Promise<Kinds[K]>;
  node(name: string): Promise<Node>;
  network(name: string): Promise<Network>;
  /** Adds nodes to a group (auto-named); returns their names. */
  addNodes(count: number, group?: string): Promise<string[]>;
  /** Whether `ip` is taken in the named network's pool. */
  taken(network: string, ip: string): Promise<boolean>;
  /** Expects `fn` (one write transaction) to fail with `code` and change nothing; returns the error. */
  refused(code: ErrorCode, fn: (tx: StoreWriter) => Promise<unknown>): Promise<AppError>;
  /** What the network-service renderers read. */
  snapshot(): Promise<ClusterSnapshot>;
}

/** A store with nothing in it (not even a cluster), in a temp dir removed on dispose. */
export async function emptyStore(): Promise<{ dir: string; store: Store } & AsyncDisposable> {
  const dir = mkdtempSync(join(tmpdir(), "luna-test-"));
  const store = openSqliteStore(join(dir, "luna.db"));
  return {
    dir,
    store,
    async [Symbol.asyncDispose]() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const PACKED = {
  tarball: "compute-1.tar.zst",
  kernfile: "compute-vmlinuz-6.1.0-test",
  initrdfile: "compute-initramfs-6.1.0-test",
};

/** Writes a small image tree and, packed, its tarball and boot files into the cluster path. */
function writeImage(tree: string, path: string, packed: boolean): void {
  mkdirSync(join(tree, "boot"), { recursive: true });
  for (const d of ["boot", "torrents"]) mkdirSync(join(path, d), { recursive: true });
  if (!packed) return;
  mkdirSync(join(tree, "etc", "sysconfig", "network-scripts"), { recursive: true });
  mkdirSync(join(tree, "usr", "bin"), { recursive: true });
  writeFileSync(join(tree, "etc", "os-release"), "NAME=LunaTest\n");
  writeFileSync(join(tree, "usr", "bin", "hello"), "#!/bin/sh\necho hello\n", { mode: 0o755 });
  writeFileSync(join(tree, "boot", "vmlinuz-6.1.0-test"), "kernel");
  const out = join(path, "torrents", PACKED.tarball);
  const tar = Bun.spawnSync([
    "bash",
    "-c",
    `tar --numeric-owner -C '${tree}' -cf - . | zstd -q -c > '${out}'`,
  ]);
  if (tar.exitCode !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  writeFileSync(join(path, "boot", PACKED.kernfile), "KERNEL-BYTES-0123456789");
  writeFileSync(join(path, "boot", PACKED.initrdfile), "INITRD");
}

async function build(tx: StoreWriter, opts: ClusterOptions, path: string, tree: string): Promise<void> {
  await initCluster(
    tx,
    {
      path,
      frontend_address: opts.frontend ?? "10.30.255.254",
      ...(opts.nodeprefix ? { nodeprefix: opts.nodeprefix } : {}),
      ...(opts.nodedigits ? { nodedigits: opts.nodedigits } : {}),
    },
    false,
  );
  await addNetwork(tx, { name: "cluster", network: "10.30.0.0", prefix: 16 });
  await addNetwork(tx, { name: "ipmi", network: "10.31.0.0", prefix: 16 });
  if (opts.ipv6) await addNetwork(tx, { name: "cluster6", network: "fd00:30::", prefix: 64 });
  await addOsImage(tx, { name: "compute", path: tree, kernels: ["6.1.0-test"] });
  if (opts.packed) {
    const version = { ...PACKED, torrent: "compute-1.torrent", infohash: "0".repeat(40), size: 1 };
    await addImageVersion(tx, "compute", version, "2026-01-01T00:00:00.000Z");
  }
  await addBmcSetup(tx, "base", {});
  await addSwitch(tx, "switch01", { ip: "10.31.253.21" });
  if (opts.services) {
    await addOtherDev(tx, "pdu01", { network: "cluster", ip: "10.30.250.1", mac: "52:54:00:aa:00:01" });
  }
  await addGroup(tx, {
    name: "compute",
    osimage: "compute",
    interface: "enp7s0",
    network: "cluster",
    bmcsetup: "base",
    bmcnetwork: "ipmi",
  });
  if (opts.ipv6) await changeInterface(tx, "compute", "enp7s0", { op: "setnet", network: "cluster6" });
  if (opts.packed) {
    await changeInterface(tx, "compute", "enp7s0", { op: "edit", params: "MTU=9000" });
    await changeGroup(tx, "compute", {
      partscript: 'mkdir -p "$LUNA_ROOT"',
      postscript: 'echo post > "$LUNA_ROOT/postscript-ran"',
    });
  }
  const names: string[] = [];
  for (let i = 0; i < (opts.nodes ?? 0); i++) {
    names.push(...(await addNodes(tx, "compute")).map((n) => n.name));
  }
  if (names[0]) await changeNode(tx, names[0], { mac: MAC1, switch: "switch01", port: "1" });
  if (opts.services) {
    if (names[1]) await changeNode(tx, names[1], { mac: MAC2 });
    await setDhcpRange(tx, { network: "cluster", start: "10.30.200.1", end: "10.30.200.254" });
  }
}

export async function testCluster(opts: ClusterOptions = {}): Promise<TestCluster> {
  const empty = await emptyStore();
  const { dir, store } = empty;
  const path = join(dir, "opt-luna");
  try {
    const tree = join(dir, "tree");
    writeImage(tree, path, opts.packed ?? false);
    await store.write((tx) => build(tx, opts, path, tree));
  } catch (e) {
    await empty[Symbol.asyncDispose]();
    throw e;
  }
  const get = async <K extends Kind>(kind: K, name: string): Promise<Kinds[K]> => {
    const doc = await store.byName(kind, name);
    if (!doc) throw new Error(`test: no ${kind} '${name}'`);
    return doc;
  };
  return {
    dir,
    path,
    store,
    tarball: PACKED.tarball,
    write: (fn) => store.write(fn),
    get,
    node: (name) => get("node", name),
    network: (name) => get("network", name),
    async addNodes(count, group = "compute") {
      const names: string[] = [];
      for (let i = 0; i < count; i++) {
        const [n] = await store.write((tx) => addNodes(tx, group));
        names.push(n?.name ?? "");
      }
      return names;
    },
    taken: async (network, ip) => isReserved(await get("network", network), ip),
    async refused(code, fn) {
      const before = await store.dump();
      let caught: unknown;
      try {
        await store.write(fn);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(AppError);
      const err = caught as AppError;
      expect(`${err.code}: ${err.message}`).toStartWith(`${code}: `);
      // A refused change leaves nothing behind.
      expect(await store.dump()).toBe(before);
      return err;
    },
    snapshot: () => loadSnapshot(store),
    [Symbol.asyncDispose]: empty[Symbol.asyncDispose],
  };
}

/** The IPv4 address of a node's interface. */
export const ip4 = (node: Node, iface: string): string | undefined => node.interfaces[iface]?.ip4;
