/**
 * Packet counts of an emulated cluster run, read once at its end: what each shaping queue (tc
 * tbf) dropped, and what TCP in each namespace sent, resent and timed out on. They say where the
 * queues are: drops on the head's uplink mean its seeder's connections fight for one queue;
 * drops on the nodes' downlinks mean several peers send to one node faster than its link;
 * retransmission timeouts (≥ 200 ms each) stall a connection outright.
 */
import { $ } from "bun";
import type { SimNet } from "./netns.ts";

export interface LinkPackets {
  /** packets the tbf queue dropped */
  dropped: number;
  /** packets it sent */
  sent: number;
}

export interface TcpCounts {
  outSegs: number;
  retransSegs: number;
  /** retransmission timeouts (RTO fired) */
  timeouts: number;
  /** SYNs and SYN-ACKs sent again: a connection that waited a whole initial RTO (1 s) */
  synRetrans: number;
  /** connections dropped at a full listen queue (the listener did not accept in time) */
  listenDrops: number;
}

export interface SimPackets {
  headUp: LinkPackets;
  headDown: LinkPackets;
  nodeUp: LinkPackets;
  nodeDown: LinkPackets;
  headTcp: TcpCounts;
  nodeTcp: TcpCounts;
  /** with --unshaped-control: bytes the head sent through the unshaped class (the daemon's port) */
  headUnshapedBytes?: number;
}

const addLinks = (xs: LinkPackets[]): LinkPackets =>
  xs.reduce((a, x) => ({ dropped: a.dropped + x.dropped, sent: a.sent + x.sent }), { dropped: 0, sent: 0 });

async function qdisc(ns: string, dev: string): Promise<LinkPackets> {
  const out = await $`ip netns exec ${ns} tc -s -j qdisc show dev ${dev}`.quiet().nothrow().text();
  try {
    const q = JSON.parse(out) as { kind: string; root?: boolean; drops?: number; packets?: number }[];
    // --unshaped-control's htb root already counts what its classes' qdiscs sent and dropped.
    const root = q.find((x) => x.root === true && x.kind === "htb");
    return addLinks((root ? [root] : q).map((x) => ({ dropped: x.drops ?? 0, sent: x.packets ?? 0 })));
  } catch {
    return { dropped: 0, sent: 0 };
  }
}

/** The named counters of a /proc/net/{snmp,netstat} file: header line, then values line. */
function counters(text: string, prefix: string): Map<string, number> {
  const lines = text.split("\n").filter((l) => l.startsWith(`${prefix}:`));
  const names = (lines[0] ?? "").split(/\s+/).slice(1);
  const values = (lines[1] ?? "").split(/\s+/).slice(1);
  return new Map(names.map((n, i) => [n, Number(values[i] ?? 0)]));
}

async function tcp(ns: string): Promise<TcpCounts> {
  const snmp = counters(await $`ip netns exec ${ns} cat /proc/net/snmp`.quiet().text(), "Tcp");
  const ext = counters(await $`ip netns exec ${ns} cat /proc/net/netstat`.quiet().text(), "TcpExt");
  return {
    outSegs: snmp.get("OutSegs") ?? 0,
    retransSegs: snmp.get("RetransSegs") ?? 0,
    timeouts: ext.get("TCPTimeouts") ?? 0,
    synRetrans: ext.get("TCPSynRetrans") ?? 0,
    listenDrops: ext.get("ListenDrops") ?? 0,
  };
}

const addTcp = (xs: TcpCounts[]): TcpCounts =>
  xs.reduce(
    (a, x) => ({
      outSegs: a.outSegs + x.outSegs,
      retransSegs: a.retransSegs + x.retransSegs,
      timeouts: a.timeouts + x.timeouts,
      synRetrans: a.synRetrans + x.synRetrans,
      listenDrops: a.listenDrops + x.listenDrops,
    }),
    { outSegs: 0, retransSegs: 0, timeouts: 0, synRetrans: 0, listenDrops: 0 },
  );

/** Bytes sent through htb class 1:10 (netns.ts: --unshaped-control's unshaped class), if any. */
async function unshapedBytes(ns: string, dev: string): Promise<number | undefined> {
  // tc prints classes as text here even with -j: "class htb 1:10 …" then " Sent N bytes …"
  const out = await $`ip netns exec ${ns} tc -s class show dev ${dev}`.quiet().nothrow().text();
  const m = /^class htb 1:10 .*\n\s*Sent (\d+) bytes/m.exec(out);
  return m ? Number(m[1]) : undefined;
}

/** Reads every counter of the run (call before the namespaces are destroyed). */
export async function readPackets(net: SimNet): Promise<SimPackets> {
  // veth p0 joins the head, p1…pN the nodes (netns.ts); the switch side shapes what a host receives
  const nodeUp = await Promise.all(net.nodes.map((n) => qdisc(n.ns, "eth0")));
  const nodeDown = await Promise.all(net.nodes.map((_, i) => qdisc(net.sw, `p${i + 1}`)));
  return {
    headUp: await qdisc(net.head, net.headIf),
    headDown: await qdisc(net.sw, "p0"),
    nodeUp: addLinks(nodeUp),
    nodeDown: addLinks(nodeDown),
    headTcp: await tcp(net.head),
    nodeTcp: addTcp(await Promise.all(net.nodes.map((n) => tcp(n.ns)))),
    headUnshapedBytes: await unshapedBytes(net.head, net.headIf),
  };
}

/** One line for a run's summary. */
export function packetLine(p: SimPackets): string {
  const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(2)} %`;
  const link = (l: LinkPackets) =>
    `${l.dropped} of ${l.sent + l.dropped} (${pct(l.dropped, l.sent + l.dropped)})`;
  const t = (x: TcpCounts) =>
    `${x.retransSegs} of ${x.outSegs} segments resent (${pct(x.retransSegs, x.outSegs)}), ${x.timeouts} timeouts, ${x.synRetrans} SYNs resent, ${x.listenDrops} listen drops`;
  const unshaped =
    p.headUnshapedBytes === undefined
      ? ""
      : `; the head sent ${p.headUnshapedBytes} bytes unshaped (--unshaped-control)`;
  return `packets dropped by the shapers: head up ${link(p.headUp)}, head down ${link(p.headDown)}, node ups ${link(p.nodeUp)}, node downs ${link(p.nodeDown)}; TCP head: ${t(p.headTcp)}; nodes: ${t(p.nodeTcp)}${unshaped}`;
}
