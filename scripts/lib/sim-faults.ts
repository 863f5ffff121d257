/**
 * Faults for the emulated cluster (scripts/cluster-sim --fault, docs/reliability.md): each kind
 * waits for its moment in the storm, does its damage with the means an operator's bad day has
 * (SIGKILL, a dead port, a full disk, a lossy network, a node power-cycled), and afterwards
 * checks what the storm must still have done. Only processes, mounts and firewall tables that
 * the run itself made are touched, by pid or inside the run's namespaces.
 */
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { $ } from "bun";
import { droppedPackets, type Impairment, nsCounter, type SimNet } from "./netns.ts";
import { type NodeBytes, readAccounting } from "./sim-account.ts";

export const FAULT_KINDS = [
  "daemon-kill",
  "seeder-kill",
  "netem",
  "node-reboot",
  "disk-full",
  "script-kill",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultOptions {
  /** when to strike: the fraction of the image arrived over all nodes (node-reboot: at that node) */
  at?: number;
  /** daemon-kill: seconds the daemon stays down; disk-full: seconds the disk stays full */
  holdSec?: number;
  /** node-reboot, script-kill: the node (1-based); the middle one when absent */
  node?: number;
  /** netem: what every link adds in each direction */
  impair?: Impairment;
}

export interface FaultCheck {
  what: string;
  ok: boolean;
  detail: string;
}

export interface FaultReport {
  kind: FaultKind;
  /** seconds after the storm started when the fault struck */
  injectedAt?: number;
  /** progress then (see FaultOptions.at) */
  progress?: number;
  /** numbers worth a table column (seconds down, bytes while down, HTTP codes…) */
  facts: Record<string, number | string>;
  checks: FaultCheck[];
}

export interface AgentSlot {
  proc: ReturnType<typeof Bun.spawn>;
  /** a fault is replacing this node's agent: its exit is not the node's end */
  restarting: boolean;
}

/** What a fault may use of the running emulation (runClusterSim builds it). */
export interface SimCtx {
  dir: string;
  db: string;
  net: SimNet;
  port: number;
  imageBytes: number;
  t0: number;
  log: (line: string) => void;
  slots: AgentSlot[];
  daemon: { proc: ReturnType<typeof Bun.spawn>; starts: number };
  /** starts a daemon (same store, address and port) and resolves once it answers */
  startDaemon(): Promise<void>;
  startAgent(i: number): ReturnType<typeof Bun.spawn>;
}

/** The storm's end, for the checks. */
export interface EndState {
  nodes: { name: string; ok: boolean; treeHash: string; bytes: NodeBytes }[];
  stages: { name: string; stages: { step: string; time: string }[] }[];
}

/** What a fault needs before the store and the network exist. */
export interface FaultSetup {
  /** the folder the store lives in (a small tmpfs for disk-full) */
  storeDir: string;
  /** the group's partscript (script-kill: the default diskless one, a fresh tmpfs per attempt) */
  partscript: string;
  impair?: Impairment;
  /** environment for node i's agent */
  agentEnv(i: number): Record<string, string>;
  cleanup(): Promise<void>;
}

export const DISK_FULL_TMPFS_MB = 32;
const now = (ctx: SimCtx) => (performance.now() - ctx.t0) / 1000;
const finished = (ctx: SimCtx) => ctx.slots.every((s) => !s.restarting && s.proc.exitCode !== null);
const target = (o: FaultOptions, nodes: number) => (o.node ?? Math.ceil(nodes / 2)) - 1;

export async function prepareFaults(kinds: FaultKind[], dir: string, o: FaultOptions, nodes: number) {
  const setup: FaultSetup = {
    storeDir: dir,
    partscript: "true",
    agentEnv: () => ({}),
    cleanup: async () => {},
  };
  if (kinds.includes("netem")) setup.impair = o.impair ?? { delayMs: 50, lossPct: 1 };
  if (kinds.includes("disk-full")) {
    const v = join(dir, "var");
    mkdirSync(v);
    await $`mount -t tmpfs -o size=${DISK_FULL_TMPFS_MB}m,mode=0700 luna-sim-var ${v}`.quiet();
    setup.storeDir = v;
    setup.cleanup = async () => {
      await $`umount ${v}`.quiet().nothrow();
    };
  }
  // A failed install-script fetch (disk-full: the daemon cannot record install.request) or a
  // killed script is retried by the dracut loader, so these runs boot through its own
  // luna_install, with the default diskless partscript (each attempt mounts a fresh tmpfs,
  // which the loader unmounts before the next).
  if (kinds.includes("script-kill") || kinds.includes("disk-full")) {
    setup.partscript = "mount -t tmpfs tmpfs /sysroot";
    setup.agentEnv = () => ({ LUNA_SIM_LOADER: "1" });
  }
  if (kinds.includes("script-kill")) {
    // This node's tar gets its input at ~2.5 MiB/s (split runs the filter once per 256 KiB), so
    // the kill lands inside the unpack: a 16 MiB tar otherwise unpacks in a tenth of a second.
    const shim = join(dir, "slow-tar");
    mkdirSync(shim);
    const tar = Bun.which("tar") ?? "/usr/bin/tar";
    writeFileSync(
      join(shim, "tar"),
      `#!/bin/sh\nsplit -b 262144 --filter='cat; sleep 0.1' - | ${tar} "$@"\n`,
      { mode: 0o755 },
    );
    const slow = target(o, nodes);
    setup.agentEnv = (i) => ({
      LUNA_SIM_LOADER: "1",
      ...(i === slow ? { PATH: `${shim}:${process.env.PATH ?? "/usr/bin:/bin"}` } : {}),
    });
  }
  return setup;
}

/** Polls `cond` until it holds; false when the storm ended first. */
async function until(ctx: SimCtx, cond: () => Promise<boolean> | boolean, everyMs = 200): Promise<boolean> {
  for (;;) {
    if (await cond()) return true;
    if (finished(ctx)) return false;
    await Bun.sleep(everyMs);
  }
}

/**
 * Bytes node i has received. Its agent's pid is read only once that process is inside the
 * node's namespace: right after the spawn, `ip netns exec` still sits in the root namespace,
 * whose counters are the host's.
 */
async function rxOf(ctx: SimCtx, i: number): Promise<number> {
  const pid = ctx.slots[i]?.proc.pid;
  try {
    if (statSync(`/proc/${pid}/ns/net`).ino !== statSync(`/run/netns/${ctx.net.nodes[i]?.ns}`).ino) return 0;
  } catch {
    return 0;
  }
  return nsCounter(pid as number, "rx");
}

const rxAll = (ctx: SimCtx) => Promise.all(ctx.slots.map((_, i) => rxOf(ctx, i)));
const sum = (xs: number[]) => xs.reduce((a, b) => a + (Number.isNaN(b) ? 0 : b), 0);

/** The fraction of N images that has reached the nodes (IP bytes, so ~3 % high). */
async function stormProgress(ctx: SimCtx): Promise<number> {
  return sum(await rxAll(ctx)) / (ctx.slots.length * ctx.imageBytes);
}

async function strikeAtStorm(ctx: SimCtx, o: FaultOptions, r: FaultReport): Promise<boolean> {
  const at = o.at ?? 0.3;
  let p = 0;
  const ok = await until(ctx, async () => {
    p = await stormProgress(ctx);
    return p >= at;
  });
  if (!ok) {
    r.checks.push({ what: "fault injected", ok: false, detail: `the storm ended before ${at * 100}%` });
    return false;
  }
  r.injectedAt = now(ctx);
  r.progress = p;
  return true;
}

const check = (r: FaultReport, what: string, ok: boolean, detail: string) =>
  r.checks.push({ what, ok, detail });

function allFinish(r: FaultReport, end: EndState) {
  const bad = end.nodes.filter((n) => !n.ok).map((n) => n.name);
  check(
    r,
    "every node finished",
    bad.length === 0,
    bad.length ? `failed: ${bad.join(", ")}` : `${end.nodes.length} of ${end.nodes.length}`,
  );
  const hashes = new Set(end.nodes.map((n) => n.treeHash));
  check(r, "identical trees", hashes.size === 1, `${hashes.size} distinct tree hash(es)`);
}

/** The stages a torrent install reports (setupbmc is off in the emulation). */
const STAGES = [
  "boot.request",
  "install.request",
  "install.prescript",
  "install.partscript",
  "install.download",
  "install.unpack",
  "install.setnet",
  "install.postscript",
  "install.success",
];

function noStatusLost(r: FaultReport, end: EndState, ctx: SimCtx) {
  const lost: string[] = [];
  for (const [i, n] of end.stages.entries()) {
    const have = new Set(n.stages.map((s) => s.step));
    // A loader retry starts a new run at install.request (status.ts): no boot.request in it.
    const retried = /trying again/.test(readFileSync(join(ctx.dir, `node${i + 1}.err`), "utf8"));
    for (const s of STAGES)
      if (!have.has(s) && !(retried && s === "boot.request")) lost.push(`${n.name} ${s}`);
    if (n.stages.at(-1)?.step !== "install.success") lost.push(`${n.name} ends at ${n.stages.at(-1)?.step}`);
  }
  check(
    r,
    "no status lost",
    lost.length === 0,
    lost.length ? lost.join("; ") : `all ${STAGES.length} stages of every node, last install.success`,
  );
}

function peers(db: string): { ip: string; updated: string }[] {
  const conn = new Database(db, { readonly: true });
  try {
    return (conn.query("SELECT data FROM docs WHERE kind = 'peer'").all() as { data: string }[]).map(
      (row) => JSON.parse(row.data) as { ip: string; updated: string },
    );
  } finally {
    conn.close();
  }
}

async function daemonKill(ctx: SimCtx, o: FaultOptions, r: FaultReport) {
  if (!(await strikeAtStorm(ctx, o, r))) return;
  const down = o.holdSec ?? 5;
  const rx0 = await rxAll(ctx);
  const old = ctx.daemon.proc;
  old.kill("SIGKILL");
  await old.exited;
  const killedAt = Date.now();
  ctx.log(
    `daemon killed (SIGKILL) at ${r.injectedAt?.toFixed(1)} s, ${(100 * (r.progress ?? 0)).toFixed(0)}% of the storm's bytes in`,
  );
  await Bun.sleep(down * 1000);
  const rx1 = await rxAll(ctx);
  const whileDown = sum(rx1.map((x, i) => x - (rx0[i] ?? 0)));
  const t = performance.now();
  await ctx.startDaemon();
  const restarted = new Date();
  r.facts.downSec = Number(((Date.now() - killedAt) / 1000).toFixed(1));
  r.facts.restartSec = Number(((performance.now() - t) / 1000).toFixed(2));
  r.facts.copiesWhileDown = Number((whileDown / ctx.imageBytes).toFixed(2));
  check(
    r,
    "nodes traded while the daemon was down",
    whileDown > ctx.imageBytes / 10,
    `${r.facts.copiesWhileDown} images reached the nodes from their peers in ${down} s`,
  );
  // Every node still downloading announces again to the restarted tracker.
  const ips = new Set(ctx.net.nodes.map((n) => n.ip));
  let seen = new Set<string>();
  const back = await until(
    ctx,
    () => {
      seen = new Set(
        peers(ctx.db)
          .filter((p) => Date.parse(p.updated) >= restarted.getTime())
          .map((p) => p.ip),
      );
      return [...ips].every((ip) => seen.has(ip));
    },
    500,
  );
  r.facts.reannounced = `${[...ips].filter((ip) => seen.has(ip)).length}/${ips.size}`;
  r.facts.reannounceSec = Number(((Date.now() - restarted.getTime()) / 1000).toFixed(1));
  check(
    r,
    "every node announced to the restarted tracker",
    back,
    `${r.facts.reannounced} nodes within ${r.facts.reannounceSec} s`,
  );
  return (end: EndState) => {
    allFinish(r, end);
    noStatusLost(r, end, ctx);
  };
}

async function seederKill(ctx: SimCtx, o: FaultOptions, r: FaultReport) {
  if (!(await strikeAtStorm(ctx, o, r))) return;
  const nsList = ctx.net.nodes.map((n) => n.ns);
  const before = await readAccounting(nsList);
  // The seeder runs inside the daemon (or as its aria2c child, which the daemon restarts within
  // a rescan): what its peers see when it dies for good is a port that answers with resets.
  // Everything on the head node except the daemon's HTTP port (and loopback) is refused.
  const rules = `table inet lunafault {
  chain in { type filter hook input priority -10; policy accept;
    iifname "lo" accept
    tcp dport != ${ctx.port} reject with tcp reset
  }
}
`;
  await $`ip netns exec ${ctx.net.head} nft -f - < ${new Response(rules)}`.quiet();
  ctx.log(`seeder killed (its port refused) at ${r.injectedAt?.toFixed(1)} s`);
  return async (end: EndState) => {
    allFinish(r, end);
    const after = end.nodes.map((n) => n.bytes);
    const seeder = sum(after.map((b, i) => b.fromSeeder - (before[i]?.fromSeeder ?? 0)));
    const web = sum(after.map((b, i) => b.fromWeb - (before[i]?.fromWeb ?? 0)));
    const webseed = end.stages.filter((n) =>
      n.stages.some((s) => s.step === "install.download.webseed"),
    ).length;
    r.facts.seederCopiesAfter = Number((seeder / ctx.imageBytes).toFixed(3));
    r.facts.webCopiesAfter = Number((web / ctx.imageBytes).toFixed(2));
    r.facts.webSeedFallbacks = webseed;
    check(
      r,
      "nothing came from the seeder afterwards",
      // what was in flight when it died: the links' queues and TCP windows, ~64 KiB a node
      seeder < 128 * 1024 * end.nodes.length,
      `${r.facts.seederCopiesAfter} images (${Math.round(seeder / 1024 / end.nodes.length)} KiB a node, in flight at the kill)`,
    );
  };
}

async function netem(ctx: SimCtx, _o: FaultOptions, r: FaultReport) {
  const im = ctx.net.impaired;
  r.injectedAt = 0;
  r.facts.applied = im
    ? `${im.by === "netem" ? `tc netem: ${im.delayMs} ms, ` : "nftables (no sch_netem in this kernel): no delay, "}${im.lossPct}% loss per link direction`
    : "nothing";
  return async (end: EndState) => {
    allFinish(r, end);
    if (im?.by === "nftables") {
      let dropped = 0;
      for (const ns of [ctx.net.sw, ctx.net.head, ...ctx.net.nodes.map((n) => n.ns)])
        dropped += await droppedPackets(ns);
      r.facts.droppedPackets = dropped;
      check(r, "packets were dropped", dropped > 0, `${dropped} packets`);
    }
  };
}

/** Every process in a network namespace, by pid (`ip netns pids`). */
async function nsPids(ns: string): Promise<number[]> {
  const out = await $`ip netns pids ${ns}`.quiet().nothrow().text();
  return out.split(/\s+/).filter(Boolean).map(Number);
}

async function nodeReboot(ctx: SimCtx, o: FaultOptions, r: FaultReport) {
  const i = target(o, ctx.slots.length);
  const slot = ctx.slots[i] as AgentSlot;
  const at = o.at ?? 0.3;
  let got = 0;
  const hit = await until(ctx, async () => {
    got = (await rxOf(ctx, i)) / ctx.imageBytes;
    return got >= at;
  });
  if (!hit || slot.proc.exitCode !== null) {
    check(r, "fault injected", false, `node ${i + 1} was done before ${at * 100}%`);
    return;
  }
  r.injectedAt = now(ctx);
  r.progress = got;
  r.facts.node = `node${String(i + 1).padStart(3, "0")}`;
  slot.restarting = true;
  // Power off: every process of the node dies at once (its agent, install script, aria2c).
  const ns = ctx.net.nodes[i]?.ns as string;
  for (let k = 0; k < 50; k++) {
    const pids = await nsPids(ns);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
    await Bun.sleep(100);
  }
  await slot.proc.exited;
  const rebootedAt = Date.now();
  // Its RAM is gone: the download folder and everything unpacked so far.
  const root = join(ctx.dir, `node${i + 1}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root);
  for (const ext of [".install.sh", ".hash", ".run", ".mounts"])
    rmSync(`${root}${ext}`, { recursive: true, force: true });
  ctx.log(
    `${r.facts.node} rebooted at ${r.injectedAt.toFixed(1)} s with ${(100 * got).toFixed(0)}% of the image`,
  );
  slot.proc = ctx.startAgent(i);
  slot.restarting = false;
  return (end: EndState) => {
    allFinish(r, end);
    const st = end.stages[i]?.stages ?? [];
    const boot = st.find((s) => s.step === "boot.request");
    const done = st.find((s) => s.step === "install.success");
    const again = Boolean(boot && Date.parse(boot.time) >= rebootedAt - 1000);
    if (boot && done)
      r.facts.secondBootSec = Number(((Date.parse(done.time) - Date.parse(boot.time)) / 1000).toFixed(1));
    check(
      r,
      "the rebooted node booted again and finished",
      again && Boolean(done),
      again ? `second boot took ${r.facts.secondBootSec} s` : "no boot.request after the reboot",
    );
  };
}

async function diskFull(ctx: SimCtx, o: FaultOptions, r: FaultReport) {
  if (!(await strikeAtStorm(ctx, o, r))) return;
  const varDir = join(ctx.dir, "var");
  const filler = join(varDir, "filler");
  const free = Number((await $`df -B1 --output=avail ${varDir}`.quiet().text()).split("\n")[1]?.trim());
  await $`fallocate -l ${Math.max(4096, free - 4096)} ${filler}`.quiet().nothrow();
  // fallocate leaves the rounding: dd writes until ENOSPC (its failure is the point)
  await $`dd if=/dev/zero of=${filler}-2 bs=4096 status=none`.quiet().nothrow();
  const fullAt = Date.now();
  ctx.log(
    `store's disk full at ${r.injectedAt?.toFixed(1)} s (df: ${(await $`df -B1 --output=avail ${varDir}`.quiet().text()).split("\n")[1]?.trim()} bytes free)`,
  );
  // Writes from the network while it is full: discovery of unknown hardware writes a row.
  const codes: number[] = [];
  const acked: string[] = [];
  const hold = (o.holdSec ?? 10) * 1000;
  const probeNs = ctx.net.nodes[0]?.ns as string;
  const url = `http://${ctx.net.headIp}:${ctx.port}/luna?step=discovery&hwdata=`;
  for (let k = 0; Date.now() - fullAt < hold; k++) {
    const mac = `02:5f:00:00:00:${(k % 256).toString(16).padStart(2, "0")}`;
    const code =
      await $`ip netns exec ${probeNs} curl -s -o /dev/null -w %{http_code} --max-time 5 ${url + mac}`
        .quiet()
        .nothrow()
        .text();
    codes.push(Number(code));
    // 404 "unknown node" is the answer once the unknown hardware is recorded
    if (Number(code) === 404) acked.push(mac);
    await Bun.sleep(1000);
  }
  rmSync(filler, { force: true });
  rmSync(`${filler}-2`, { force: true });
  const freedAt = Date.now();
  ctx.log(`store's disk has room again after ${((freedAt - fullAt) / 1000).toFixed(1)} s`);
  r.facts.fullSec = Number(((freedAt - fullAt) / 1000).toFixed(1));
  r.facts.probeCodes = [...new Set(codes)].join(",");
  r.facts.probeRefused = codes.filter((c) => c >= 500).length;
  // Either answer is right: refused (5xx) when SQLite needs new pages, or recorded while the
  // WAL still has room from before (it is reused, not grown, after a checkpoint).
  check(
    r,
    "every write refused (5xx) or recorded",
    codes.length > 0 && codes.every((c) => c >= 500 || c === 404),
    `HTTP ${codes.join(",")} for ${codes.length} discovery writes of unknown hardware`,
  );
  return (end: EndState) => {
    allFinish(r, end);
    const log = daemonLogs(ctx).filter((l) => /full|SQLITE_FULL|ENOSPC/i.test(l));
    r.facts.fullLogLines = log.length;
    check(
      r,
      "the daemon logged the full disk",
      log.length > 0,
      log[0]?.slice(0, 200) ?? "no log line mentions it",
    );
    const conn = new Database(ctx.db, { readonly: true });
    const ic = (conn.query("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check;
    const unknown = (conn.query("SELECT data FROM docs WHERE kind = 'unknown'").all() as { data: string }[])
      .map((x) => x.data)
      .join("\n");
    conn.close();
    const missing = acked.filter((m) => !unknown.includes(m));
    check(
      r,
      "no acknowledged write lost",
      missing.length === 0,
      missing.length
        ? `not stored: ${missing.join(", ")}`
        : `${acked.length} acknowledged discovery records all stored`,
    );
    check(r, "store integrity_check", ic === "ok", ic);
    noStatusLost(r, end, ctx);
  };
}

function daemonLogs(ctx: SimCtx): string[] {
  return readdirSync(ctx.dir)
    .filter((f) => /^daemon(-\d+)?\.log$/.test(f))
    .flatMap((f) => readFileSync(join(ctx.dir, f), "utf8").split("\n"));
}

/** The pids whose parent is `pid`. */
function children(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) out.push(Number(d));
    } catch {}
  }
  return out;
}

async function scriptKill(ctx: SimCtx, o: FaultOptions, r: FaultReport) {
  const i = target(o, ctx.slots.length);
  const slot = ctx.slots[i] as AgentSlot;
  const root = `/proc/${slot.proc.pid}/root/sysroot`;
  const payload = join(root, "payload.bin");
  // The image's payload file, from the emulation's own tree.
  const full = statSync(join(ctx.dir, "image", "payload.bin")).size;
  let size = 0;
  const hit = await until(
    ctx,
    () => {
      size = existsSync(payload) ? statSync(payload).size : 0;
      return size >= full / 4;
    },
    50,
  );
  const script = children(slot.proc.pid).find((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, "utf8").includes("luna-install.sh");
    } catch {
      return false;
    }
  });
  if (!hit || script === undefined) {
    check(r, "fault injected", false, "no install script caught unpacking");
    return;
  }
  // A file of the killed attempt that is not in the image: if the retry unpacks into what the
  // attempt left, it stays and the node's tree hash differs from everyone else's.
  writeFileSync(join(root, "half-unpacked-by-the-killed-attempt"), "");
  process.kill(script, "SIGKILL");
  r.injectedAt = now(ctx);
  r.progress = size / full;
  r.facts.node = `node${String(i + 1).padStart(3, "0")}`;
  ctx.log(
    `${r.facts.node}'s install script (pid ${script}) killed with ${(100 * r.progress).toFixed(0)}% of payload.bin unpacked`,
  );
  return (end: EndState) => {
    allFinish(r, end);
    const log = readFileSync(join(ctx.dir, `node${i + 1}.err`), "utf8");
    const retried = /the install script failed \(status \d+\); trying again/.test(log);
    check(
      r,
      "the loader ran the install script again",
      retried,
      retried ? "loader: trying again" : "no retry in the node's log",
    );
    const mounts = readFileSync(join(ctx.dir, `node${i + 1}.mounts`), "utf8").trim();
    r.facts.sysrootMounts = mounts;
    const same = end.nodes[i]?.treeHash === end.nodes[(i + 1) % end.nodes.length]?.treeHash;
    check(
      r,
      "one fresh root, nothing left of the killed attempt",
      same && mounts === "2",
      `tree hash ${same ? "as the others'" : "differs"}; mounts on /sysroot: ${mounts} (the agent's bind and one tmpfs)`,
    );
  };
}

const INJECTORS: Record<
  FaultKind,
  (
    ctx: SimCtx,
    o: FaultOptions,
    r: FaultReport,
  ) => Promise<((end: EndState) => void | Promise<void>) | undefined>
> = {
  "daemon-kill": daemonKill,
  "seeder-kill": seederKill,
  netem,
  "node-reboot": nodeReboot,
  "disk-full": diskFull,
  "script-kill": scriptKill,
};

/** Starts a fault's watcher beside the storm; `finish` runs its checks on the storm's end. */
export function startFault(kind: FaultKind, ctx: SimCtx, o: FaultOptions) {
  const report: FaultReport = { kind, facts: {}, checks: [] };
  const running = INJECTORS[kind](ctx, o, report).catch((e) => {
    check(report, "fault injected", false, `emulation error: ${String(e)}`);
    return undefined;
  });
  return {
    report,
    async finish(end: EndState): Promise<FaultReport> {
      const verify = await running;
      await verify?.(end);
      return report;
    },
  };
}
