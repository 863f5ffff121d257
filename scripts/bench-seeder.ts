/**
 * The head-node seeder's cost per byte: one Debian aria2c leecher downloads a packed image of
 * S MiB over loopback (web seed off, so every byte comes from the seeder) from our own seeder
 * (in this process: its CPU is this process's) and from the aria2c seeder (its process's CPU from
 * /proc), side by side, `--runs` interleaved rounds, medians. The leecher, not the seeder, limits
 * the rate on loopback; the CPU per MB is what matters for a head node feeding 1 Gb/s.
 *
 *   bun scripts/bench-seeder.ts [--size 256] [--runs 3] [--smoke]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ariaLeech, startSwarm } from "../test/helpers/swarm.ts";

const argv = process.argv.slice(2);
const val = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
};
const smoke = argv.includes("--smoke");
const size = Number(val("size", smoke ? "8" : "256"));
const runs = Number(val("runs", smoke ? "1" : "3"));
const TICK = 100; // clock ticks per second of /proc/<pid>/stat (USER_HZ)

function procCpuSeconds(peerid: string): number {
  const needle = `--peer-id-prefix=${Buffer.from(peerid, "hex").toString()}`;
  for (const d of readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      if (!readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0").includes(needle)) continue;
      const f = readFileSync(`/proc/${d}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      return (Number(f[11]) + Number(f[12])) / TICK;
    } catch {
      // gone meanwhile
    }
  }
  return Number.NaN;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const results: Record<string, { seconds: number[]; msPerMB: number[] }> = {};
for (let round = 0; round < runs; round++) {
  for (const engine of ["luna", "aria2c"] as const) {
    await using swarm = await startSwarm({ mib: size, webSeed: false, engine });
    const dir = mkdtempSync(join(tmpdir(), "luna-bench-seeder-"));
    try {
      const peer = swarm.seeder.peer()?.peerid ?? "";
      const cpu0 = engine === "luna" ? process.cpuUsage() : undefined;
      const p0 = engine === "aria2c" ? procCpuSeconds(peer) : 0;
      const t0 = performance.now();
      const r = await ariaLeech(swarm.torrentUrl, dir, [], 600_000);
      const seconds = (performance.now() - t0) / 1000;
      if (r.code !== 0) throw new Error(`leecher failed: ${r.output}`);
      const cpu =
        engine === "luna"
          ? (() => {
              const d = process.cpuUsage(cpu0);
              return (d.user + d.system) / 1e6;
            })()
          : procCpuSeconds(peer) - p0;
      const mb = swarm.version.size / 1e6;
      results[engine] ??= { seconds: [], msPerMB: [] };
      const row = results[engine];
      row.seconds.push(seconds);
      row.msPerMB.push((1000 * cpu) / mb);
      console.error(
        `bench-seeder: round ${round + 1} ${engine}: ${seconds.toFixed(1)} s, ${((1000 * cpu) / mb).toFixed(1)} ms CPU per MB`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
console.log(`| seeder | image | leecher time (median) | seeder CPU per MB (median) |\n|---|---:|---:|---:|`);
for (const [engine, r] of Object.entries(results))
  console.log(
    `| ${engine === "luna" ? "ours (luna, super-seeding), in the daemon's process" : "aria2c, one process over JSON-RPC"} | ${size} MiB | ${median(r.seconds).toFixed(1)} s | ${median(r.msPerMB).toFixed(1)} ms |`,
  );
