/**
 * The cluster the network-service goldens are rendered from, built through the domain on a
 * real SQLite file: networks `cluster` (10.30.0.0/16) and `ipmi` (10.31.0.0/16), three nodes
 * (two with MACs), switch01 and a PDU with a MAC, the DHCP range 10.30.200.1-10.30.200.254.
 * With `ipv6`, the boot interface also gets `cluster6` (fd00:30::/64).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addBmcSetup } from "../../src/domain/bmcsetup.ts";
import { initCluster } from "../../src/domain/cluster.ts";
import { addOtherDev, addSwitch } from "../../src/domain/devices.ts";
import { addGroup, changeInterface } from "../../src/domain/group.ts";
import { setDhcpRange } from "../../src/domain/netsvc/dhcp.ts";
import { type ClusterSnapshot, loadSnapshot } from "../../src/domain/netsvc/netdata.ts";
import { addNetwork } from "../../src/domain/network.ts";
import { addNodes, changeNode } from "../../src/domain/node.ts";
import { addOsImage } from "../../src/domain/osimage.ts";
import type { Store } from "../../src/domain/store.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";

export interface NetsvcFixture extends AsyncDisposable {
  dir: string;
  store: Store;
  snapshot(): Promise<ClusterSnapshot>;
}

export async function netsvcFixture(opts: { ipv6?: boolean } = {}): Promise<NetsvcFixture> {
  const dir = mkdtempSync(join(tmpdir(), "luna-netsvc-"));
  const tree = join(dir, "tree");
  mkdirSync(join(tree, "boot"), { recursive: true });
  const store = openSqliteStore(join(dir, "luna.db"));
  await store.write(async (tx) => {
    await initCluster(tx, { path: dir, frontend_address: "10.30.255.254" }, false);
    await addNetwork(tx, { name: "cluster", network: "10.30.0.0", prefix: 16 });
    await addNetwork(tx, { name: "ipmi", network: "10.31.0.0", prefix: 16 });
    if (opts.ipv6) await addNetwork(tx, { name: "cluster6", network: "fd00:30::", prefix: 64 });
    await addOsImage(tx, { name: "compute", path: tree, kernels: ["6.1.0-test"] });
    await addBmcSetup(tx, "base", {});
    await addSwitch(tx, "switch01", { ip: "10.31.253.21" });
    await addOtherDev(tx, "pdu01", { network: "cluster", ip: "10.30.250.1", mac: "52:54:00:aa:00:01" });
    await addGroup(tx, { name: "compute", osimage: "compute", interface: "enp7s0", bmcsetup: "base" });
    await changeInterface(tx, "compute", "enp7s0", { op: "setnet", network: "cluster" });
    if (opts.ipv6) await changeInterface(tx, "compute", "enp7s0", { op: "setnet", network: "cluster6" });
    await changeInterface(tx, "compute", "BMC", { op: "setnet", network: "ipmi" });
    await addNodes(tx, "compute", ["node001", "node002", "node003"]);
    await changeNode(tx, "node001", { mac: "52:54:00:00:00:01", switch: "switch01", port: "1" });
    await changeNode(tx, "node002", { mac: "52:54:00:00:00:02" });
    await setDhcpRange(tx, {
      network: "cluster",
      start: "10.30.200.1",
      end: "10.30.200.254",
    });
  });
  return {
    dir,
    store,
    snapshot: () => loadSnapshot(store),
    async [Symbol.asyncDispose]() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
