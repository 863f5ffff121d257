/**
 * Control-plane benchmark: N simulated nodes at once, each doing what a booting node does —
 * step=boot, step=discovery (its MAC), step=install (its script) and 10 status reports —
 * against the compiled `luna daemon` on loopback, side by side with a compiled bare Elysia
 * server answering a constant string (the ceiling of this machine for the same client).
 * Prints requests/s, p50/p99 latency and the server's CPU time per request (all its threads,
 * from /proc: the figure that moves least when other work shares the machine); `--smoke` runs
 * a tiny load for CI.
 *
 *   bun scripts/bench-boot-requests.ts [--nodes 1000] [--runs 3] [--smoke] [--write docs/benchmarks.md]
 *                                      [--profile DIR]   (daemon from source, CPU profile in DIR)
 *                                      [--compare-metrics [--scrape-every 15]] (two daemons, [admin]
 *                                      off and on, /metrics scraped every N seconds: their cost)
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { changeCluster, initCluster } from "../src/domain/cluster.ts";
import { addGroup, changeInterface } from "../src/domain/group.ts";
import { addNetwork } from "../src/domain/network.ts";
import { addNodes, changeNode } from "../src/domain/node.ts";
import { addImageVersion, addOsImage } from "../src/domain/osimage.ts";
import { openSqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { replaceSection } from "./lib/docs.ts";
import { interleave, wrkInstalled, wrkLoad } from "./lib/wrk.ts";

const argv = process.argv.slice(2);
if (argv.includes("--help")) {
  const doc = (await Bun.file(import.meta.path).text()).split("*/")[0] ?? "";
  console.log(doc.replace(/^\/\*\*\n?|^ \* ?/gm, "").trim());
  process.exit(0);
}
const compareMetrics = argv.includes("--compare-metrics");
const scrapeEvery = argv.includes("--scrape-every") ? Number(argv[argv.indexOf("--scrape-every") + 1]) : 15;
const smoke = argv.includes("--smoke");
const N = Number(argv[argv.indexOf("--nodes") + 1]) || (smoke ? 20 : 1000);
const writeTo = argv.includes("--write") ? argv[argv.indexOf("--write") + 1] : undefined;
const profileDir = argv.includes("--profile") ? argv[argv.indexOf("--profile") + 1] : undefined;
const runs = Number(argv[argv.indexOf("--runs") + 1]) || (smoke ? 1 : 3);
/** Linux's clock ticks per second (USER_HZ), the unit of utime and stime in /proc/PID/stat. */
const TICKS_PER_SECOND = 100;
/** User + system CPU time of a process, all threads, in clock ticks. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}
const STATUSES = 10;

const dir = mkdtempSync(join(tmpdir(), "luna-bench-req-"));
const mac = (i: number) =>
  `52:54:00:${((i >> 16) & 255).toString(16).padStart(2, "0")}:${((i >> 8) & 255).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`;
const procs: ReturnType<typeof Bun.spawn>[] = [];
/** What one node asks, in order. */
const nodePaths = (i: number) => {
  const name = `node${String(i + 1).padStart(4, "0")}`;
  return [
    "/luna?step=boot",
    `/luna?step=discovery&hwdata=${mac(i + 1)}`,
    `/luna?step=install&node=${name}`,
    ...Array.from({ length: STATUSES }, (_, k) => `/luna?step=install&node=${name}&status=install.bench${k}`),
  ];
};
const cleanup = async () => {
  for (const p of procs) p.kill();
  await Promise.all(procs.map((p) => p.exited));
  rmSync(dir, { recursive: true, force: true });
};

async function waitUp(url: string) {
  for (let i = 0; i < 200; i++) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await Bun.sleep(50);
  }
  throw new Error(`${url} did not come up`);
}

/**
 * `width` clients at once: every node its own client (the storm as it is), or a fixed pool of
 * 64 connections working through the same requests in node order (as `wrk -c64` measures:
 * latency then shows service time rather than queueing behind a thousand others).
 */
async function load(
  base: string,
  paths: (i: number) => string[],
  width: number,
): Promise<{ requests: number; rps: number; p50: number; p99: number; errors: number }> {
  const lat: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  const queues: string[][] = Array.from({ length: width }, () => []);
  for (let i = 0; i < N; i++) queues[i % width]?.push(...paths(i));
  await Promise.all(
    queues.map(async (queue) => {
      for (const p of queue) {
        const t = performance.now();
        const r = await fetch(base + p).catch(() => undefined);
        if (!r || !r.ok) errors++;
        await r?.arrayBuffer();
        lat.push(performance.now() - t);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const q = (f: number) => lat[Math.min(lat.length - 1, Math.floor(f * lat.length))] as number;
  return { requests: lat.length, rps: lat.length / secs, p50: q(0.5), p99: q(0.99), errors };
}

try {
  const luna = join(dir, "luna");
  const built = (r: ReturnType<typeof Bun.spawnSync>, what: string) => {
    if (r.exitCode !== 0) throw new Error(`building ${what} failed: ${String(r.stderr ?? "")}`);
  };
  built(Bun.spawnSync([process.execPath, "scripts/build.ts", luna]), "luna");
  const bare = join(dir, "bare");
  built(
    Bun.spawnSync([
      process.execPath,
      "build",
      "scripts/lib/bare-elysia.ts",
      "--compile",
      "--minify",
      "--bytecode",
      "--format=esm",
      "--outfile",
      bare,
    ]),
    "the bare Elysia server",
  );

  const store = openSqliteStore(join(dir, "luna.db"));
  // Below Linux's ephemeral range (32768-60999), where the load generators' own sockets live.
  const lunaPort = 20000 + Math.floor(Math.random() * 12000);
  await store.write(async (tx) => {
    await initCluster(tx, { frontend_address: "127.0.0.1", path: dir }, false);
    await changeCluster(tx, { frontend_port: String(lunaPort) });
    await addNetwork(tx, { name: "cluster", network: "10.30.0.0", prefix: 16 });
    await addOsImage(tx, { name: "compute", path: dir, kernels: ["6.1.0"] });
    await addImageVersion(
      tx,
      "compute",
      {
        tarball: "c-1.tar.zst",
        torrent: "c-1.torrent",
        infohash: "0".repeat(40),
        size: 1,
        kernfile: "k",
        initrdfile: "i",
      },
      new Date().toISOString(),
    );
    await addGroup(tx, { name: "compute", osimage: "compute", interface: "eth0" });
    await changeInterface(tx, "compute", "eth0", { op: "setnet", network: "cluster" });
    const nodes = await addNodes(
      tx,
      "compute",
      Array.from({ length: N }, (_, i) => `node${String(i + 1).padStart(4, "0")}`),
    );
    for (const [i, n] of nodes.entries()) await changeNode(tx, n.name, { mac: mac(i + 1) });
  });
  await store.close();

  const daemonCmd = profileDir
    ? [process.execPath, "--cpu-prof-md", `--cpu-prof-dir=${profileDir}`, "src/main.ts"]
    : [luna];
  if (compareMetrics) {
    await compareMetricsCost(luna, dir);
    await cleanup();
    process.exit(process.exitCode ?? 0);
  }
  // --insecure-install: the load generators replay fixed paths from 127.0.0.1, so they can
  // neither present the per-boot credentials nor ask from the nodes' own addresses; the checks
  // left out cost one SHA-256 per install or status request.
  const daemonArgs = ["daemon", "--host", "127.0.0.1", "--port", String(lunaPort), "--insecure-install"];
  const daemon = Bun.spawn([...daemonCmd, ...daemonArgs], {
    env: { ...process.env, LUNA_STORE: `sqlite:${join(dir, "luna.db")}`, LUNA_CONFIG: "" },
    stdout: "ignore",
    stderr: Bun.file(join(dir, "daemon.log")),
  });
  procs.push(daemon);
  const bareProc = Bun.spawn([bare], { stdout: "pipe", stderr: "ignore" });
  procs.push(bareProc);
  const reader = bareProc.stdout.getReader();
  const barePort = Number(new TextDecoder().decode((await reader.read()).value).trim());
  reader.releaseLock();
  const lunaBase = `http://127.0.0.1:${lunaPort}`;
  const bareBase = `http://127.0.0.1:${barePort}`;
  await waitUp(`${lunaBase}/luna?step=boot`).catch(async (e) => {
    console.error(await Bun.file(join(dir, "daemon.log")).text());
    throw e;
  });
  await waitUp(`${bareBase}/`);

  const barePaths = () => Array.from({ length: 3 + STATUSES }, () => "/");
  // Rounds interleave the four loads, so a noisy moment on the shared machine hits them alike;
  // every figure in the table is the median over the rounds.
  type Result = Awaited<ReturnType<typeof load>> & { cpuUs: number };
  // CPU time the server process spent per request (all its threads): unlike requests/s it
  // hardly moves when other work shares the machine.
  const measured = async (
    pid: number,
    run: Promise<Awaited<ReturnType<typeof load>>> | (() => Promise<Awaited<ReturnType<typeof load>>>),
  ) => {
    const before = cpuTicks(pid);
    const r = await (typeof run === "function" ? run() : run);
    return { ...r, cpuUs: ((cpuTicks(pid) - before) * 1e6) / TICKS_PER_SECOND / Math.max(1, r.requests) };
  };
  const withWrk = wrkInstalled();
  const wrkSeconds = smoke ? 1 : 5;
  const wrkPaths = interleave(N, 64, nodePaths);
  const rounds: Result[][] = [[], [], [], [], [], []];
  for (let round = 0; round < runs; round++) {
    const [bp, lp] = [bareProc.pid, daemon.pid];
    rounds[0]?.push(await measured(bp, () => load(bareBase, barePaths, N)));
    rounds[1]?.push(await measured(lp, () => load(lunaBase, nodePaths, N)));
    rounds[2]?.push(await measured(bp, () => load(bareBase, barePaths, 64)));
    rounds[3]?.push(await measured(lp, () => load(lunaBase, nodePaths, 64)));
    if (withWrk) {
      const wrk = (base: string, paths: string[]) => () =>
        wrkLoad(dir, base, paths, { connections: 64, seconds: wrkSeconds });
      rounds[4]?.push(await measured(bp, wrk(bareBase, ["/"])));
      rounds[5]?.push(await measured(lp, wrk(lunaBase, wrkPaths)));
    }
  }
  const median = (rs: Result[], k: keyof Result) =>
    rs.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(rs.length / 2)] as number;
  const summary = (rs: Result[] = []): Result => ({
    requests: median(rs, "requests"),
    cpuUs: median(rs, "cpuUs"),
    rps: median(rs, "rps"),
    p50: median(rs, "p50"),
    p99: median(rs, "p99"),
    errors: rs.reduce((sum, r) => sum + r.errors, 0),
  });
  const [ceiling, ours, ceiling64, ours64, wrkCeiling, wrkOurs] = rounds.map(summary) as Result[] as [
    Result,
    Result,
    Result,
    Result,
    Result,
    Result,
  ];
  const row = (name: string, r: typeof ours) =>
    `| ${name} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.errors} | ${r.cpuUs.toFixed(0)} |`;
  const header = `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Bun ${Bun.version}; ${N} simulated nodes at once, each boot + discovery + install + ${STATUSES} status reports (${N * (3 + STATUSES)} requests); one Bun client process (and wrk where installed); median of ${runs} interleaved rounds; ${smoke ? "SMOKE RUN" : "full run"}.`;
  const table = [
    "| server | requests/s | p50 ms | p99 ms | errors | server CPU µs/request |",
    "|---|---:|---:|---:|---:|---:|",
    row(`bare Elysia, constant string (ceiling), ${N} clients`, ceiling),
    row(`luna daemon (SQLite, status writes included), ${N} clients`, ours),
    row("bare Elysia, 64 connections", ceiling64),
    row("luna daemon, 64 connections (boot, discovery, install, statuses)", ours64),
    ...(withWrk
      ? [
          row(`bare Elysia, wrk -t1 -c64 -d${wrkSeconds}s`, wrkCeiling),
          row(`luna daemon, wrk -t1 -c64 -d${wrkSeconds}s (the same requests, 64 nodes per stage)`, wrkOurs),
        ]
      : []),
    "",
    `With every node its own client luna reaches ${((100 * ours.rps) / ceiling.rps).toFixed(0)}% of the ceiling; with 64 connections ${((100 * ours64.rps) / ceiling64.rps).toFixed(0)}%` +
      (withWrk
        ? `; driven by wrk ${((100 * wrkOurs.rps) / wrkCeiling.rps).toFixed(0)}%.`
        : ". (wrk is not installed: apt-get install wrk adds the wrk rows.)"),
  ].join("\n");
  console.log(`${header}\n\n${table}`);
  if (ours.errors + ours64.errors + (withWrk ? wrkOurs.errors : 0) > 0) process.exitCode = 1;
  if (writeTo)
    replaceSection(
      writeTo,
      "bench-boot-requests",
      "Control plane under a boot storm",
      `${header}\n\nCommand: \`bun scripts/bench-boot-requests.ts --nodes ${N} --runs ${runs} --write ${writeTo}\`\n\n${table}`,
    );
} finally {
  await cleanup();
}

/**
 * The same daemon with its metrics off (`[admin] enabled = false`: no observer on the request
 * path) and on (while a scraper reads /metrics every `--scrape-every` seconds, Prometheus'
 * default 15 unless told), each on its own copy of the store, loads interleaved round by round.
 */
async function compareMetricsCost(luna: string, dir: string): Promise<void> {
  const base = 20000 + Math.floor(Math.random() * 12000);
  const variants = [
    { name: "metrics off", port: base, conf: "[admin]\nenabled = false\n", pid: 0 },
    { name: "metrics on", port: base + 1, conf: `[admin]\nport = ${base + 2}\n`, pid: 0 },
    // the same as the first: how far two identical daemons drift apart on this machine
    { name: "metrics off again", port: base + 3, conf: "[admin]\nenabled = false\n", pid: 0 },
  ];
  for (const v of variants) {
    const db = join(dir, `${v.port}.db`);
    copyFileSync(join(dir, "luna.db"), db);
    const conf = join(dir, `${v.port}.conf`);
    writeFileSync(conf, `[snmp]\nenabled = false\n${v.conf}`);
    const args = [
      "--config",
      conf,
      "daemon",
      "--host",
      "127.0.0.1",
      "--port",
      String(v.port),
      "--insecure-install",
    ];
    const proc = Bun.spawn([luna, ...args], {
      env: { ...process.env, LUNA_STORE: `sqlite:${db}` },
      stdout: "ignore",
      stderr: Bun.file(join(dir, `${v.port}.log`)),
    });
    procs.push(proc);
    v.pid = proc.pid;
    await waitUp(`http://127.0.0.1:${v.port}/luna?step=boot`);
  }
  const metricsUrl = `http://127.0.0.1:${base + 2}/metrics`;
  await waitUp(metricsUrl);
  const withWrk = wrkInstalled();
  const wrkSeconds = smoke ? 1 : 5;
  const wrkPaths = interleave(N, 64, nodePaths);
  const results: Record<string, number[]> = {};
  const add = (key: string, value: number) => {
    results[key] ??= [];
    results[key].push(value);
  };
  const measure = async (
    v: (typeof variants)[number],
    what: string,
    run: () => Promise<{ rps: number; requests: number }>,
  ) => {
    const cpu0 = cpuTicks(v.pid);
    const r = await run();
    add(`${v.name}|${what}`, r.rps);
    add(`${v.name}|${what}|cpu`, ((cpuTicks(v.pid) - cpu0) * 1e6) / TICKS_PER_SECOND / r.requests);
  };
  let scrapes = 0;
  let scrapeMs = 0;
  for (let round = 0; round < runs; round++) {
    for (const v of round % 2 === 0 ? variants : [...variants].reverse()) {
      const url = `http://127.0.0.1:${v.port}`;
      let scraping = v.name === "metrics on";
      const scraper = (async () => {
        const t0 = performance.now();
        while (scraping) {
          const t = performance.now();
          await fetch(metricsUrl).then((r) => r.text());
          scrapeMs += performance.now() - t;
          scrapes++;
          // the next scrape at the next multiple of the period since this load began
          const next =
            t0 + Math.ceil((performance.now() - t0 + 1) / (scrapeEvery * 1000)) * scrapeEvery * 1000;
          while (scraping && performance.now() < next) await Bun.sleep(50);
        }
      })();
      await measure(v, "Bun client, 64 connections", () => load(url, nodePaths, 64));
      if (withWrk)
        await measure(v, `wrk -t1 -c64 -d${wrkSeconds}s`, async () => {
          const r = await wrkLoad(dir, url, wrkPaths, { connections: 64, seconds: wrkSeconds });
          return { rps: r.rps, requests: r.rps * wrkSeconds };
        });
      scraping = false;
      await scraper;
    }
  }
  const loads = [
    ...new Set(
      Object.keys(results)
        .filter((k) => !k.endsWith("|cpu"))
        .map((k) => k.split("|")[1] as string),
    ),
  ];
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const fmt = (xs: number[]) =>
    `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)})`;
  const rows = loads.flatMap((l) =>
    ["", "|cpu"].map((k) => {
      const [off, on, again] = variants.map((v) => results[`${v.name}|${l}${k}`] ?? []) as [
        number[],
        number[],
        number[],
      ];
      const what = k ? `${l}: daemon CPU µs per request` : `${l}: requests/s`;
      const pct = (x: number[]) => `${((100 * median(x)) / median(off)).toFixed(0)}%`;
      return `| ${what} | ${fmt(off)} | ${fmt(on)} | ${pct(on)} | ${fmt(again)} | ${pct(again)} |`;
    }),
  );
  const header = `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Bun ${Bun.version}; ${N} nodes, boot + discovery + install + ${STATUSES} status reports each; ${runs} rounds, the three daemons taking turns (the order reversed each round); ${scrapes} scrapes of /metrics during the "on" loads (one at the start of each load, then every ${scrapeEvery} s; ${(scrapeMs / Math.max(1, scrapes)).toFixed(0)} ms each as the scraper saw it, queued behind the load); ${smoke ? "SMOKE RUN" : "full run"}.`;
  const table = [
    "| load: figure | metrics off: median (min-max) | metrics on | on/off | metrics off again (control) | again/off |",
    "|---|---:|---:|---:|---:|---:|",
    ...rows,
  ].join("\n");
  console.log(`${header}\n\n${table}`);
  if (writeTo)
    replaceSection(
      writeTo,
      "bench-metrics",
      "Metrics on the request path",
      `${header}\n\nCommand: \`bun scripts/bench-boot-requests.ts --compare-metrics --scrape-every ${scrapeEvery} --nodes ${N} --runs ${runs} --write ${writeTo}\`\n\n${table}`,
    );
}
