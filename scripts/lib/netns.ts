/**
 * The emulated cluster's network: one "switch" namespace holding a Linux bridge, a head
 * namespace and N node namespaces, each joined to the bridge by a veth pair, every link shaped
 * with tc tbf in both directions (a host's queue on the way out, a switch port's on the way in).
 * Addresses (10.30.0.0/16, the seed's network) exist only in these namespaces, which have no
 * default route, so nothing can leave them. Everything made here is recorded and removed by
 * `destroy`, also after a failure. `impair` adds latency and
 * loss to every link in both directions (tc netem under the tbf; where the kernel has no
 * sch_netem, loss only, by nftables, and `SimNet.impaired` says so).
 */
import { $ } from "bun";

export interface NetOptions {
  id: string;
  nodes: number;
  nodeMbit: number;
  headMbit: number;
  /** no tc shaping (the smoke test) */
  noShaping?: boolean;
  /** added on every link in both directions (fault injection: a lossy, slow network) */
  impair?: Impairment;
  /**
   * TCP the head sends from this port skips the head's shaper (cluster-sim --unshaped-control):
   * the daemon's per-node HTTP (boot menu, install script, torrent, reports and announces: about
   * 33 KB a node with a 5 MiB image) is a fixed size, so an emulation that scales the image and
   * the links down overweights it. The web seed is on that port too: never with a fault that
   * makes the nodes fall back to it (sim-options.ts), and cluster-sim warns when a node used it.
   */
  unshapedHeadPort?: number;
}

export interface Impairment {
  delayMs: number;
  lossPct: number;
}

export interface SimNet {
  sw: string;
  head: string;
  headIp: string;
  headIf: string;
  nodes: { ns: string; ip: string; mac: string; ifname: string }[];
  /** what `impair` really applied: tc netem, or nftables loss alone (no sch_netem in the kernel) */
  impaired?: Impairment & { by: "netem" | "nftables" };
  destroy(): Promise<void>;
}

const mac = (i: number) =>
  `52:54:00:30:${((i >> 8) & 255).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`;

/**
 * A host's own queue (its NIC's qdisc, txqueuelen 1,000 packets) and a switch port's (a short
 * buffer: 50 ms at the link's rate). The difference matters: with a 50 ms tbf on the sending
 * host too, the head node's queue dropped 26 % of its packets at N = 8 (scripts/lib/sim-packets.ts),
 * where a real host's TCP is held back by TCP small queues before its own NIC's queue fills.
 */
const HOST_QUEUE_PACKETS = 1000;
/** an Ethernet frame at the veths' 1,500-byte MTU */
const FRAME_BYTES = 1514;
/**
 * TCP small queues keep about a millisecond of each flow's data in a real host's queue (never
 * less than two packets); at the emulated 10 Mbit/s that is the two packets. Left at the
 * kernel's default here, each socket parked ~100 ms of data in its host's queue, so a node's
 * piece requests waited behind its own uploads (aria2c's 6-request pipeline then starves):
 * N = 16 median 22.0 s, with two packets 20.0 s (docs/benchmarks.md).
 */
const TSQ_BYTES = 2 * FRAME_BYTES;

async function shape(
  ns: string,
  dev: string,
  mbit: number | undefined,
  side: "host" | "switch",
  netem?: Impairment,
  unshapedPort?: number,
) {
  if (side === "host") {
    await $`ip netns exec ${ns} sysctl -qw net.ipv4.tcp_limit_output_bytes=${TSQ_BYTES}`.quiet();
    // The sender hands the shaper MTU-sized packets, as a real NIC puts them on the wire: veth
    // would pass 64 KB GSO bursts that the switch port's short queue then drops whole.
    await $`ip netns exec ${ns} ip link set dev ${dev} gso_max_segs 1`.quiet();
  }
  if (mbit === undefined) {
    if (netem)
      await $`ip netns exec ${ns} tc qdisc replace dev ${dev} root netem delay ${netem.delayMs}ms loss ${netem.lossPct}%`.quiet();
    return;
  }
  // tbf: rate, a burst big enough for the rate at 250 Hz timers, and the side's queue.
  const burst = Math.max(32, Math.ceil((mbit * 1e6) / 8 / 250 / 1024));
  const queue = side === "host" ? ["limit", String(HOST_QUEUE_PACKETS * FRAME_BYTES)] : ["latency", "50ms"];
  const tbf = ["tbf", "rate", `${mbit}mbit`, "burst", `${burst}kb`, ...queue];
  if (!netem && unshapedPort !== undefined) {
    // Two classes that never borrow from each other (this kernel has htb, not prio): the port's
    // packets leave unshaped, the rest through the same tbf as without the option.
    const tc = (line: string) => $`ip netns exec ${ns} tc ${line.split(" ")}`.quiet();
    await tc(`qdisc replace dev ${dev} root handle 1: htb default 20`);
    await tc(`class add dev ${dev} parent 1: classid 1:10 htb rate 10gbit quantum 60000`);
    await tc(`class add dev ${dev} parent 1: classid 1:20 htb rate 10gbit quantum 60000`);
    await tc(`qdisc add dev ${dev} parent 1:10 handle 10: pfifo limit ${HOST_QUEUE_PACKETS}`);
    await tc(`qdisc add dev ${dev} parent 1:20 handle 20: ${tbf.join(" ")}`);
    await tc(
      `filter add dev ${dev} parent 1: protocol ip prio 1 u32 match ip sport ${unshapedPort} 0xffff flowid 1:10`,
    );
    return;
  }
  if (!netem) {
    await $`ip netns exec ${ns} tc qdisc replace dev ${dev} root ${tbf}`.quiet();
    return;
  }
  // netem delays and drops, then hands packets to the tbf below it (the netem man page's recipe);
  // its queue holds what is in flight during the delay at the link's rate, with room to spare.
  const limit = Math.max(1000, Math.ceil((mbit * 1e6 * (netem.delayMs / 1000)) / 8 / 1500) * 4);
  await $`ip netns exec ${ns} tc qdisc replace dev ${dev} root handle 1: netem delay ${netem.delayMs}ms loss ${netem.lossPct}% limit ${limit}`.quiet();
  await $`ip netns exec ${ns} tc qdisc add dev ${dev} parent 1: handle 2: ${tbf}`.quiet();
}

/** Whether this kernel has sch_netem (a minimal VM kernel may not): tried on a throwaway veth. */
async function hasNetem(ns: string): Promise<boolean> {
  await $`ip netns exec ${ns} ip link add dev nq0 type veth peer name nq1`.quiet();
  const ok =
    (await $`ip netns exec ${ns} tc qdisc add dev nq0 root netem delay 1ms`.quiet().nothrow()).exitCode === 0;
  await $`ip netns exec ${ns} ip link del dev nq0`.quiet().nothrow();
  return ok;
}

/** Loss without netem: nftables drops a random share of what leaves `dev` (netdev egress hook). */
async function dropShare(ns: string, dev: string, pct: number) {
  // numgen random mod 10000 < pct·100: pct may be fractional (0.5 %)
  const rules = `table netdev lunaloss_${dev} {
  counter dropped {}
  chain out { type filter hook egress device "${dev}" priority 0; policy accept;
    numgen random mod 10000 < ${Math.round(pct * 100)} counter name dropped drop
  }
}
`;
  await $`ip netns exec ${ns} nft -f - < ${new Response(rules)}`.quiet();
}

/** Packets nftables dropped for `impair` in one namespace (0 when netem did the dropping). */
export async function droppedPackets(ns: string): Promise<number> {
  const out = await $`ip netns exec ${ns} nft -j list counters`.quiet().nothrow().text();
  try {
    const doc = JSON.parse(out) as { nftables: { counter?: { name: string; packets: number } }[] };
    return doc.nftables.reduce((n, x) => n + (x.counter?.name === "dropped" ? x.counter.packets : 0), 0);
  } catch {
    return 0;
  }
}

/**
 * The kernel's ARP table is one table for every network namespace, capped by the root
 * namespace's gc_thresh3 (1,024 by default): 64 emulated nodes that each talk to ~50 peers
 * need ~3,500 entries, and past the cap new connections hang in SYN-SENT ("neighbor table
 * overflow" in dmesg). Real nodes each have their own table, so the cap is raised for the run
 * and put back afterwards.
 */
const NEIGH = ["gc_thresh1", "gc_thresh2", "gc_thresh3"].map((k) => `/proc/sys/net/ipv4/neigh/default/${k}`);

async function raiseNeighbourLimits(nodes: number): Promise<() => Promise<void>> {
  const old = await Promise.all(NEIGH.map(async (f) => (await Bun.file(f).text()).trim()));
  const need = 4 * (nodes + 1) * (nodes + 1);
  const want = [need / 4, need / 2, need].map((v, i) => Math.max(v, Number(old[i])));
  await Promise.all(NEIGH.map((f, i) => Bun.write(f, `${want[i]}\n`)));
  return async () => {
    // thresh3 last on the way up, first on the way down, so thresh1 <= thresh2 <= thresh3 holds
    for (const [i, f] of [...NEIGH.entries()].reverse()) await Bun.write(f, `${old[i]}\n`);
  };
}

export async function createNet(o: NetOptions): Promise<SimNet> {
  if (process.getuid?.() !== 0) throw new Error("cluster-sim needs root (network namespaces, veth, tc)");
  const restoreNeighbours = await raiseNeighbourLimits(o.nodes);
  const made: string[] = [];
  const sw = `lsw-${o.id}`;
  const head = `lhd-${o.id}`;
  const destroy = async () => {
    for (const ns of made.reverse()) await $`ip netns del ${ns}`.quiet().nothrow();
    await restoreNeighbours();
  };
  try {
    for (const ns of [sw, head]) {
      await $`ip netns add ${ns}`.quiet();
      made.push(ns);
      await $`ip netns exec ${ns} ip link set lo up`.quiet();
    }
    let impaired: SimNet["impaired"];
    if (o.impair) impaired = { ...o.impair, by: (await hasNetem(sw)) ? "netem" : "nftables" };
    const netem = impaired?.by === "netem" ? impaired : undefined;
    if (o.unshapedHeadPort !== undefined && (netem || o.noShaping))
      throw new Error("an unshaped head port needs shaping and no netem impairment");
    const link = async (
      ns: string,
      dev: string,
      mbit: number,
      side: "host" | "switch",
      unshaped?: number,
    ) => {
      await shape(ns, dev, o.noShaping ? undefined : mbit, side, netem, unshaped);
      if (impaired?.by === "nftables" && impaired.lossPct > 0) await dropShare(ns, dev, impaired.lossPct);
    };
    await $`ip netns exec ${sw} ip link add br0 type bridge`.quiet();
    await $`ip netns exec ${sw} ip link set br0 up`.quiet();
    const join = async (ns: string, idx: number, ip: string, hwaddr: string | undefined, mbit: number) => {
      const outer = `p${idx}`;
      await $`ip netns exec ${sw} ip link add ${outer} type veth peer name eth0 netns ${ns}`.quiet();
      if (hwaddr) await $`ip netns exec ${ns} ip link set eth0 address ${hwaddr}`.quiet();
      await $`ip netns exec ${ns} ip addr add ${ip}/16 dev eth0`.quiet();
      await $`ip netns exec ${ns} ip link set eth0 up`.quiet();
      await $`ip netns exec ${sw} ip link set ${outer} master br0 up`.quiet();
      await link(ns, "eth0", mbit, "host", idx === 0 ? o.unshapedHeadPort : undefined); // what this host sends
      await link(sw, outer, mbit, "switch"); // what this host receives
    };
    const headIp = "10.30.255.254";
    await join(head, 0, headIp, undefined, o.headMbit);
    const nodes: SimNet["nodes"] = [];
    for (let i = 1; i <= o.nodes; i++) {
      const ns = `lnd-${o.id}-${i}`;
      await $`ip netns add ${ns}`.quiet();
      made.push(ns);
      await $`ip netns exec ${ns} ip link set lo up`.quiet();
      const ip = `10.30.${(i >> 8) & 255}.${i & 255}`;
      await join(ns, i, ip, mac(i), o.nodeMbit);
      nodes.push({ ns, ip, mac: mac(i), ifname: "eth0" });
    }
    return { sw, head, headIp, headIf: "eth0", nodes, impaired, destroy };
  } catch (e) {
    await destroy();
    throw e;
  }
}

export async function txBytes(ns: string, dev: string): Promise<number> {
  return Number(
    (await $`ip netns exec ${ns} cat /sys/class/net/${dev}/statistics/tx_bytes`.quiet().text()).trim(),
  );
}

/** Interface counters of the namespace a process lives in (/proc/<pid>/net/dev): no process to start. */
export async function nsCounter(pid: number, dir: "rx" | "tx", dev = "eth0"): Promise<number> {
  try {
    const text = await Bun.file(`/proc/${pid}/net/dev`).text();
    const line = text.split("\n").find((l) => l.trim().startsWith(`${dev}:`));
    const f = (line ?? "").split(":")[1]?.trim().split(/\s+/) ?? [];
    return Number(f[dir === "rx" ? 0 : 8] ?? 0);
  } catch {
    return Number.NaN; // the process has ended
  }
}
