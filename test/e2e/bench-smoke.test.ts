/**
 * Smoke runs of the benchmarks: they must build, run and print their tables. No timing is
 * asserted here (shared machines are noisy); the full runs and their results live in
 * docs/benchmarks.md.
 */
import { expect, test } from "bun:test";
import { exec } from "../../src/lib/exec.ts";
import { lunaBinary } from "../helpers/luna.ts";

const run = async (script: string) => {
  const r = await exec([process.execPath, script, "--smoke"]);
  return { out: r.stdout, err: r.stderr, code: r.code };
};

test("bench-cli smoke run prints its table", async () => {
  const r = await run("scripts/bench-cli.ts");
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  expect(r.out).toContain("| hello-world (floor) |");
  expect(r.out).toMatch(/\| luna node list --json \(20\+ nodes\) \| \d+\.\d \|/);
});

test("bench-boot-requests smoke run completes every request without errors", async () => {
  const r = await run("scripts/bench-boot-requests.ts");
  expect(r.code).toBe(0);
  expect(r.out).toMatch(
    /\| luna daemon \(SQLite, status writes included\), 20 clients \| \d+ \| [\d.]+ \| [\d.]+ \| 0 \|/,
  );
  // wrk comes with .ci/run; where it is missing the table says how to add it
  if (Bun.which("wrk"))
    expect(r.out).toMatch(/\| luna daemon, wrk -t1 -c64 -d1s .*\| \d+ \| [\d.]+ \| [\d.]+ \| 0 \|/);
  else expect(r.out).toContain("apt-get install wrk");
});

test("bench-pack smoke run packs with every compression", async () => {
  const r = await run("scripts/bench-pack.ts");
  expect(r.code).toBe(0);
  for (const c of ["zstd", "gzip", "none"])
    expect(r.out).toMatch(new RegExp(`\\| luna osimage pack --compress ${c} \\| [\\d.]+ \\| \\d+ \\|`));
});

test("bench-boot-storm smoke run prints a row per mode and the verdict", async () => {
  expect(process.getuid?.()).toBe(0); // network namespaces; CI runs as root
  const r = await exec([
    process.execPath,
    "scripts/bench-boot-storm.ts",
    "--smoke",
    "--luna",
    await lunaBinary(),
  ]);
  expect(r.code).toBe(0);
  for (const mode of ["torrent", "stock"])
    expect(r.stdout).toMatch(new RegExp(`\\| 2 \\| ${mode} \\| 1× \\(50 Mbit/s\\) \\| \\d+\\.\\d \\|`));
  expect(r.stdout).toContain("| T_luna(N) ≤ 1.4 × S/B_node | 1× (50 Mbit/s) |");
});
