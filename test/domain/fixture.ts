/**
 * The seed cluster for domain tests, built through the use cases on a real SQLite file in a
 * temp dir: cluster (frontend 10.30.255.254), networks cluster 10.30.0.0/16 and ipmi
 * 10.31.0.0/16, osimage compute (kernel 6.1.0-1), bmcsetup base, switch01 10.31.253.21, and
 * group compute (enp7s0 on cluster, BMC on ipmi). No nodes; tests add what they need.
 */
import { expect } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addBmcSetup } from "../../src/domain/bmcsetup.ts";
import { initCluster } from "../../src/domain/cluster.ts";
import { addSwitch } from "../../src/domain/devices.ts";
import { AppError, type ErrorCode } from "../../src/domain/errors.ts";
import { addGroup } from "../../src/domain/group.ts";
import type { Kind, Kinds, Network, Node } from "../../src/domain/model.ts";
import { addNetwork, isReserved } from "../../src/domain/network.ts";
import { addNodes } from "../../src/domain/node.ts";
import { addOsImage } from "../../src/domain/osimage.ts";
import type { Store, StoreWriter } from "../../src/domain/store.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";

export interface Seed extends AsyncDisposable {
  dir: string;
  store: Store;
  /** Runs `fn` as one write transaction. */
  write<T>(fn: (tx: StoreWriter) => Promise<T>): Promise<T>;
  get<K extends Kind>(kind: K, name: string): Promise<Kinds[K]>;
  node(name: string): Promise<Node>;
  network(name: string): Promise<Network>;
  /** Adds nodes to a group (auto-named when no names are given); returns their names. */
  addNodes(count: number, group?: string): Promise<string[]>;
  /** Whether `ip` is taken in the named network's pool. */
  taken(network: string, ip: string): Promise<boolean>;
  /** Expects `fn` (one write transaction) to fail with `code`; returns the error. */
  refused(code: ErrorCode, fn: (tx: StoreWriter) => Promise<unknown>): Promise<AppError>;
}

export async function openEmpty(): Promise<{ dir: string; store: Store } & AsyncDisposable> {
  const dir = mkdtempSync(join(tmpdir(), "luna-domain-"));
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

export async function seed(
  opts: { frontend?: string; nodeprefix?: string; nodedigits?: string } = {},
): Promise<Seed> {
  const empty = await openEmpty();
  const { store } = empty;
  try {
    await store.write(async (tx) => {
      await initCluster(
        tx,
        {
          frontend_address: opts.frontend ?? "10.30.255.254",
          ...(opts.nodeprefix ? { nodeprefix: opts.nodeprefix } : {}),
          ...(opts.nodedigits ? { nodedigits: opts.nodedigits } : {}),
        },
        false,
      );
      await addNetwork(tx, { name: "cluster", network: "10.30.0.0", prefix: 16 });
      await addNetwork(tx, { name: "ipmi", network: "10.31.0.0", prefix: 16 });
      await addOsImage(tx, { name: "compute", path: "/images/compute", kernels: ["6.1.0-1"] });
      await addBmcSetup(tx, "base", {});
      await addSwitch(tx, "switch01", { ip: "10.31.253.21" });
      await addGroup(tx, {
        name: "compute",
        osimage: "compute",
        interface: "enp7s0",
        network: "cluster",
        bmcsetup: "base",
        bmcnetwork: "ipmi",
      });
    });
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
    dir: empty.dir,
    store,
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
    async taken(network, ip) {
      return isReserved(await get("network", network), ip);
    },
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
    [Symbol.asyncDispose]: empty[Symbol.asyncDispose],
  };
}

/** The IPv4 address of a node's interface. */
export const ip4 = (node: Node, iface: string): string | undefined => node.interfaces[iface]?.ip4;
