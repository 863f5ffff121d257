/**
 * Where each emulated node's bytes came from, counted where they arrive: in every node namespace
 * an nftables table counts the IP bytes that came in from the head node's daemon port (web seed,
 * tarball over HTTP, control answers), from the head node's other ports (its BitTorrent seeder)
 * and from anyone else (peers); the interface counter gives what the node sent. Counting on the sender's side would
 * include packets the shaping queue dropped (TCP resends them), so it is done here. Only the
 * namespaces of the run are touched.
 */
import { $ } from "bun";

export interface NodeBytes {
  /** from the head node's daemon port: web seed or plain HTTP (plus small control answers) */
  fromWeb: number;
  /** from the head node's BitTorrent seeder */
  fromSeeder: number;
  /** from other nodes */
  fromPeers: number;
  /** everything the node's link carried out (uploads to peers, plus small requests to the head) */
  sent: number;
}

const RULES = (head: string, port: number) => `table ip lunasim {
  counter web {}
  counter seeder {}
  counter peers {}
  chain in { type filter hook input priority 0; policy accept;
    ip saddr ${head} tcp sport ${port} counter name web accept
    ip saddr ${head} counter name seeder accept
    ip saddr != 127.0.0.0/8 counter name peers
  }
}
`;

/** Starts counting in every node namespace (needs nft: Debian's nftables). */
export async function startAccounting(nodeNs: string[], headIp: string, daemonPort: number): Promise<void> {
  for (const ns of nodeNs)
    await $`ip netns exec ${ns} nft -f - < ${new Response(RULES(headIp, daemonPort))}`.quiet();
}

/** Bytes by source for every node namespace, in the order given. */
export async function readAccounting(nodeNs: string[]): Promise<NodeBytes[]> {
  return Promise.all(
    nodeNs.map(async (ns) => {
      const out = await $`ip netns exec ${ns} nft -j list counters table ip lunasim`.quiet().text();
      const doc = JSON.parse(out) as { nftables: { counter?: { name: string; bytes: number } }[] };
      const c = new Map(doc.nftables.flatMap((x) => (x.counter ? [[x.counter.name, x.counter.bytes]] : [])));
      return {
        fromWeb: c.get("web") ?? 0,
        fromSeeder: c.get("seeder") ?? 0,
        fromPeers: c.get("peers") ?? 0,
        // after the shaping queue (an output hook would also count what the queue dropped)
        sent: Number(
          (await $`ip netns exec ${ns} cat /sys/class/net/eth0/statistics/tx_bytes`.quiet().text()).trim(),
        ),
      };
    }),
  );
}
