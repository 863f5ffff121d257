/**
 * The emulated cluster: builds the namespaces (netns.ts), prepares a store through the real
 * compiled CLI (cluster, network, an osimage of S MB of random data packed for real, a group,
 * N nodes whose MACs are the node veths' MACs), runs the real `luna daemon` in the head
 * namespace and, in every node namespace and a private mount namespace, plays the node's part:
 * step=boot, step=discovery with its MAC, then the install script from the returned kernel
 * arguments, run by bash into a per-node /sysroot. Timelines come from the daemon's records.
 */

import { Database } from "bun:sqlite";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bencode from "bencode";
import { $ } from "bun";
import { bootStepUrl } from "../../src/domain/boot/urls.ts";
import { createNet, nsCounter, type SimNet, txBytes } from "./netns.ts";
import { type NodeBytes, readAccounting, startAccounting } from "./sim-account.ts";
import { NODE_AGENT, STOCK_AGENT } from "./sim-agents.ts";
import {
  type AgentSlot,
  type FaultKind,
  type FaultOptions,
  type FaultReport,
  prepareFaults,
  type SimCtx,
  startFault,
} from "./sim-faults.ts";
import { simOptionsError } from "./sim-options.ts";
import { readPackets, type SimPackets } from "./sim-packets.ts";

export interface SimOptions {
  luna: string;
  nodes: number;
  sizeMB: number;
  method: "torrent" | "http";
  /**
   * the stock swarm instead of luna's install script (method must be torrent): aria2c with its
   * defaults on every node and as the head's seeder (unless daemonEnv says)
   */
  stock?: boolean;
  seedTail: number;
  /** extra environment for the install script on every node (LUNA_BT_INTERVAL, LUNA_ARIA2_OPTS…) */
  nodeEnv?: Record<string, string>;
  /** torrent piece size in KiB (osimage pack --piece-size); the packer's rule when absent */
  pieceKB?: number;
  nodeMbit: number;
  headMbit: number;
  noShaping?: boolean;
  /**
   * The daemon's HTTP (port 7050) leaves the head unshaped: its per-node bytes are a fixed size,
   * overweighted once the image and links are scaled down. Torrent modes only (not --method http).
   */
  unshapedControl?: boolean;
  /** the daemon without its admin listener (no metrics, no status page) */
  noAdmin?: boolean;
  timeoutSec: number;
  log?: (line: string) => void;
  keep?: boolean;
  /** sample every link's byte counters twice a second (SimResult.timeline) */
  timeline?: boolean;
  /** extra environment for the daemon (LUNA_SEEDER…) */
  daemonEnv?: Record<string, string>;
  /** fault injection: freeze the head node's seeder once some node has this fraction of the image */
  freezeSeederAt?: number;
  /** faults to inject during the storm (sim-faults.ts, docs/reliability.md) */
  faults?: FaultKind[];
  faultOptions?: FaultOptions;
}

export interface NodeResult {
  name: string;
  ok: boolean;
  seconds: number | undefined;
  /**
   * install.download to install.unpack: the swarm alone, without the script's other stages,
   * which on this shared two-core machine slow down with N (real nodes have their own CPUs)
   */
  downloadSeconds: number | undefined;
  treeHash: string;
  /** where its bytes came from, and what it sent */
  bytes: NodeBytes;
}

export interface SimResult {
  nodes: NodeResult[];
  wallSeconds: number;
  headTxBytes: number;
  imageBytes: number;
  cpuBusy: number;
  /** the N = 1 floor check needs the image's length in pieces */
  pieceLength: number;
  /** bytes each node told the tracker it uploaded to its peers (last announce) */
  peerUploaded: Record<string, number>;
  /** progress of the most advanced node when the seeder was frozen (fault injection) */
  seederFrozenAt: number | undefined;
  /** with `timeline`: seconds since the start, the head's tx bytes and each node's rx bytes */
  timeline?: { t: number; headTx: number; nodeRx: number[] }[];
  /** shaper drops and TCP resends, read at the end of the run */
  packets?: SimPackets;
  /** what each injected fault did and whether its checks held */
  faults: FaultReport[];
}

function sampleTimeline(headPid: number, agents: { proc: { pid: number } }[], t0: number) {
  const rows: { t: number; headTx: number; nodeRx: number[] }[] = [];
  let on = true;
  const loop = (async () => {
    for (let i = 0; on && i < 7200; i++) {
      rows.push({
        t: (performance.now() - t0) / 1000,
        headTx: await nsCounter(headPid, "tx"),
        nodeRx: await Promise.all(agents.map((a) => nsCounter(a.proc.pid, "rx"))),
      });
      await Bun.sleep(500);
    }
  })();
  return {
    async stop() {
      on = false;
      await loop;
      return rows;
    },
  };
}

const cpuTimes = async () => {
  const line = (await Bun.file("/proc/stat").text()).split("\n")[0] as string;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { idle, total: v.reduce((a, b) => a + b, 0) };
};

/**
 * Watches the tracker's records and, once a node reports `fraction` of the image, freezes
 * (SIGSTOP) the head node's aria2c seeders: a hung seeder, which the daemon cannot restart.
 */
async function freezeSeederWhen(
  db: string,
  fraction: number,
  agents: { proc: { exitCode: number | null } }[],
): Promise<number | undefined> {
  for (let i = 0; i < 6000 && agents.some((a) => a.proc.exitCode === null); i++) {
    const conn = new Database(db, { readonly: true });
    let best = 0;
    for (const row of conn.query("SELECT data FROM docs WHERE kind = 'peer'").all() as { data: string }[]) {
      const p = JSON.parse(row.data) as { downloaded: number; left: number; peerid: string };
      const total = p.downloaded + p.left;
      if (total > 0 && p.left > 0) best = Math.max(best, p.downloaded / total);
    }
    conn.close();
    if (best >= fraction) {
      const r = Bun.spawnSync(["pkill", "-STOP", "-f", "--", "--peer-id-prefix=-LUNA1-"]);
      if (r.exitCode !== 0)
        throw new Error("no aria2c seeder to freeze: run the daemon with LUNA_SEEDER=aria2c");
      return best;
    }
    await Bun.sleep(100);
  }
  return undefined;
}

/** Exit codes of the nodes' agents, once every one has ended and no fault is restarting one. */
async function allExited(slots: AgentSlot[]): Promise<number[]> {
  for (;;) {
    const procs = slots.map((s) => s.proc);
    await Promise.all(procs.map((p) => p.exited));
    if (slots.every((s, i) => !s.restarting && s.proc === procs[i]))
      return procs.map((p) => p.exitCode ?? -1);
    await Bun.sleep(100);
  }
}

export async function runClusterSim(o: SimOptions): Promise<SimResult> {
  const wrong = simOptionsError(o);
  if (wrong) throw new Error(wrong);
  const log = o.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), "luna-sim-"));
  const id = String(process.pid % 100000);
  let net: SimNet | undefined;
  const procs: ReturnType<typeof Bun.spawn>[] = [];
  const faults = o.faults ?? [];
  const setup = await prepareFaults(faults, dir, o.faultOptions ?? {}, o.nodes);
  const dbPath = join(setup.storeDir, "luna.db");
  const env = { ...process.env, LUNA_STORE: `sqlite:${dbPath}`, LUNA_CONFIG: "" };
  const luna = async (...args: string[]) => {
    const r = Bun.spawnSync([o.luna, ...args], { env });
    if (r.exitCode !== 0) throw new Error(`luna ${args.join(" ")}: ${r.stderr.toString()}`);
    return r.stdout.toString();
  };
  const stop = () => {
    for (const p of procs) p.kill("SIGKILL");
  };
  process.once("SIGINT", stop);
  try {
    mkdirSync("/sysroot", { recursive: true });
    const tree = join(dir, "image");
    mkdirSync(join(tree, "boot"), { recursive: true });
    mkdirSync(join(tree, "etc", "systemd", "network"), { recursive: true });
    writeFileSync(join(tree, "boot", "vmlinuz-6.1.0-sim"), "kernel");
    writeFileSync(join(dir, "initrd"), "initrd");
    await $`head -c ${o.sizeMB * 1024 * 1024} /dev/urandom > ${join(tree, "payload.bin")}`.quiet();
    log(`preparing the store with ${o.nodes} nodes and a ${o.sizeMB} MB image`);
    await luna("cluster", "init", "--frontend_address", "10.30.255.254", "--path", join(dir, "opt"));
    await luna("cluster", "change", "--tracker_interval", "5", "--tracker_min_interval", "2");
    await luna("network", "add", "-n", "cluster", "-N", "10.30.0.0", "-P", "16");
    await luna("osimage", "add", "-n", "compute", "-p", tree);
    await luna("group", "add", "-n", "compute", "-i", "eth0", "-o", "compute");
    await luna("group", "change", "-n", "compute", "--interface", "eth0", "--setnet", "cluster");
    await luna("group", "change", "-n", "compute", "--method", o.method, "--seed_tail", String(o.seedTail));
    Bun.spawnSync([o.luna, "group", "change", "-n", "compute", "--partscript", "-e"], {
      env,
      stdin: new TextEncoder().encode(`${setup.partscript}\n`),
    });
    Bun.spawnSync([o.luna, "group", "change", "-n", "compute", "--postscript", "-e"], {
      env,
      stdin: new TextEncoder().encode("true\n"),
    });
    await luna("node", "add", "-g", "compute", "-n", `node[001-${String(o.nodes).padStart(3, "0")}]`);
    const packed = await luna(
      "osimage",
      "pack",
      "-n",
      "compute",
      "--compress",
      "none",
      "--initrdfile",
      join(dir, "initrd"),
      ...(o.pieceKB ? ["--piece-size", String(o.pieceKB)] : []),
    );
    const meta = bencode.decode(
      await Bun.file(join(dir, "opt", "torrents", "compute-1.torrent")).bytes(),
    ) as {
      info: { "piece length": number };
      "url-list"?: unknown;
    };
    // The stock swarm: the same torrent without its web seed.
    delete meta["url-list"];
    writeFileSync(join(dir, "stock.torrent"), bencode.encode(meta));
    log(packed.trim());
    net = await createNet({
      id,
      nodes: o.nodes,
      nodeMbit: o.nodeMbit,
      headMbit: o.headMbit,
      noShaping: o.noShaping,
      impair: setup.impair,
      unshapedHeadPort: o.unshapedControl ? 7050 : undefined,
    });
    if (o.unshapedControl) log("the daemon's HTTP (port 7050) leaves the head unshaped (--unshaped-control)");
    for (const [i, n] of net.nodes.entries()) {
      await luna(
        "node",
        "change",
        "-n",
        `node${String(i + 1).padStart(3, "0")}`,
        "--mac",
        n.mac,
        "--setupbmc",
        "n",
      );
    }
    const sim = net;
    // What DHCP would hand a node (the dhcpd/dnsmasq renderers use the same function).
    const boot = bootStepUrl({ proto: "http", host: net.headIp, port: 7050 });
    const daemon = { proc: undefined as unknown as ReturnType<typeof Bun.spawn>, starts: 0 };
    // The stock swarm is what a site sets up by hand: aria2c seeds on the head node too (plain
    // seeding, no super-seeding, and it never dials a leecher).
    const stockSeeder: Record<string, string> = o.stock ? { LUNA_SEEDER: "aria2c" } : {};
    const startDaemon = async () => {
      daemon.starts++;
      const logName = daemon.starts === 1 ? "daemon.log" : `daemon-${daemon.starts}.log`;
      // The head's link is shaped by tc, which the daemon cannot see (a veth says 10 Gb/s): the
      // status page is told the shaped rate for its upload chart and the storm's floor S/B.
      const conf = join(dir, "luna.conf");
      const admin = o.noAdmin ? "enabled = false" : o.noShaping ? "" : `link_mbit = ${o.headMbit}`;
      writeFileSync(conf, `[admin]\n${admin}\n`);
      daemon.proc = Bun.spawn(
        [
          "ip",
          "netns",
          "exec",
          sim.head,
          o.luna,
          "--config",
          conf,
          "daemon",
          "--host",
          sim.headIp,
          "--port",
          "7050",
        ],
        {
          env: { ...env, ...stockSeeder, ...o.daemonEnv },
          stdout: "ignore",
          stderr: Bun.file(join(dir, logName)),
        },
      );
      procs.push(daemon.proc);
      for (let i = 0; i < 100; i++) {
        if (
          Bun.spawnSync([
            "ip",
            "netns",
            "exec",
            sim.nodes[0]?.ns as string,
            "curl",
            "-sf",
            "-o",
            "/dev/null",
            boot,
          ]).exitCode === 0
        )
          break;
        await Bun.sleep(100);
      }
    };
    await startDaemon();
    await startAccounting(
      net.nodes.map((n) => n.ns),
      net.headIp,
      7050,
    );
    const tx0 = await txBytes(net.head, net.headIf);
    const cpu0 = await cpuTimes();
    const t0 = performance.now();
    writeFileSync(join(dir, "agent.sh"), o.stock ? STOCK_AGENT : NODE_AGENT);
    log(`booting ${o.nodes} nodes (${o.stock ? "stock" : o.method}, seeding tail ${o.seedTail} s)`);
    const startAgent = (i: number) => {
      const n = sim.nodes[i] as SimNet["nodes"][number];
      const root = join(dir, `node${i + 1}`);
      mkdirSync(root, { recursive: true });
      // appended: a rebooted node's second boot follows its first in the same log
      const out = openSync(join(dir, `node${i + 1}.log`), "a");
      const err = openSync(join(dir, `node${i + 1}.err`), "a");
      const p = Bun.spawn(
        [
          "ip",
          "netns",
          "exec",
          n.ns,
          "unshare",
          "-m",
          "--propagation",
          "private",
          "bash",
          join(dir, "agent.sh"),
          n.mac,
          root,
          boot,
          join(dir, "stock.torrent"),
        ],
        {
          env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...o.nodeEnv, ...setup.agentEnv(i) },
          stdout: out,
          stderr: err,
        },
      );
      closeSync(out);
      closeSync(err);
      procs.push(p);
      return p;
    };
    const agents: AgentSlot[] = net.nodes.map((_, i) => ({ proc: startAgent(i), restarting: false }));
    const timer = setTimeout(stop, o.timeoutSec * 1000);
    const ctx: SimCtx = {
      dir,
      db: dbPath,
      net,
      port: 7050,
      imageBytes: statSync(join(dir, "opt", "torrents", "compute-1.tar")).size,
      t0,
      log,
      slots: agents,
      daemon,
      startDaemon,
      startAgent,
    };
    const active = faults.map((k) => startFault(k, ctx, o.faultOptions ?? {}));
    const watcher =
      o.freezeSeederAt === undefined ? undefined : freezeSeederWhen(dbPath, o.freezeSeederAt, agents);
    const sampler = o.timeline ? sampleTimeline(daemon.proc.pid, agents, t0) : undefined;
    const codes = await allExited(agents);
    const timeline = await sampler?.stop();
    const frozeAt = await watcher;
    if (frozeAt !== undefined)
      log(`seeder frozen when a node had ${(100 * frozeAt).toFixed(0)}% of the image`);
    clearTimeout(timer);
    const wallSeconds = (performance.now() - t0) / 1000;
    const cpu1 = await cpuTimes();
    const headTxBytes = (await txBytes(net.head, net.headIf)) - tx0;
    const bytes = await readAccounting(net.nodes.map((n) => n.ns));
    const packets = await readPackets(net);
    const statuses = JSON.parse(await luna("node", "status", "--json")) as {
      name: string;
      stages: { step: string; time: string }[];
    }[];
    const nodes = statuses.map((s, i) => {
      const at = (step: string) => s.stages.find((x) => x.step === step)?.time;
      const span = (from: string, to: string) => {
        const [a, b] = [at(from), at(to)];
        return a && b ? (Date.parse(b) - Date.parse(a)) / 1000 : undefined;
      };
      const hash = Bun.spawnSync(["cat", join(dir, `node${i + 1}.hash`)])
        .stdout.toString()
        .trim();
      return {
        name: s.name,
        ok: codes[i] === 0 && Boolean(at("install.success")),
        seconds: span("install.request", "install.success"),
        downloadSeconds: span("install.download", "install.unpack"),
        treeHash: hash,
        bytes: bytes[i] as NodeBytes,
      };
    });
    const webSeeded = statuses.filter((s) => s.stages.some((x) => x.step === "install.download.webseed"));
    if (o.unshapedControl && webSeeded.length > 0)
      log(
        `WARNING: ${webSeeded.map((s) => s.name).join(", ")} fell back to the web seed: with --unshaped-control those image bytes left the head unshaped`,
      );
    const imageBytes = ctx.imageBytes;
    const reports: FaultReport[] = [];
    for (const f of active) reports.push(await f.finish({ nodes, stages: statuses }));
    const db = new Database(dbPath, { readonly: true });
    const peerUploaded: Record<string, number> = {};
    for (const row of db.query("SELECT data FROM docs WHERE kind = 'peer'").all() as { data: string }[]) {
      const p = JSON.parse(row.data) as { ip: string; uploaded: number };
      peerUploaded[p.ip] = Math.max(peerUploaded[p.ip] ?? 0, p.uploaded);
    }
    db.close();
    return {
      nodes,
      wallSeconds,
      headTxBytes,
      imageBytes,
      pieceLength: meta.info["piece length"],
      cpuBusy: 1 - (cpu1.idle - cpu0.idle) / Math.max(1, cpu1.total - cpu0.total),
      peerUploaded,
      seederFrozenAt: frozeAt,
      timeline,
      packets,
      faults: reports,
    };
  } finally {
    Bun.spawnSync(["pkill", "-CONT", "-f", "--", "--peer-id-prefix=-LUNA1-"]);
    stop();
    await Promise.all(procs.map((p) => p.exited));
    process.off("SIGINT", stop);
    await net?.destroy();
    await setup.cleanup();
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  }
}
