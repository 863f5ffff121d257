/**
 * Pack throughput: `luna osimage pack` (compiled binary) on a generated tree of S MB — half
 * incompressible random data, half compressible text, in files of mixed sizes — with zstd,
 * gzip and no compression, beside the baseline of plain `tar -cf /dev/null` of the same tree
 * (the cost of reading it). Prints MB/s read per mode.
 *
 *   bun scripts/bench-pack.ts [--size 1024] [--runs 3] [--smoke] [--write docs/benchmarks.md]
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { $ } from "bun";
import { replaceSection } from "./lib/docs.ts";

const argv = process.argv.slice(2);
const smoke = argv.includes("--smoke");
const sizeMB = Number(argv[argv.indexOf("--size") + 1]) || (smoke ? 32 : 1024);
const runs = Number(argv[argv.indexOf("--runs") + 1]) || (smoke ? 1 : 3);
const writeTo = argv.includes("--write") ? argv[argv.indexOf("--write") + 1] : undefined;
const dir = mkdtempSync(join(tmpdir(), "luna-bench-pack-"));
try {
  const luna = join(dir, "luna");
  Bun.spawnSync([process.execPath, "scripts/build.ts", luna]);
  const tree = join(dir, "tree");
  mkdirSync(join(tree, "boot"), { recursive: true });
  writeFileSync(join(tree, "boot", "vmlinuz-6.1.0-bench"), "k");
  writeFileSync(join(dir, "initrd"), "i");
  const files = Math.max(4, sizeMB / 16);
  for (let i = 0; i < files; i++) {
    const sub = join(tree, "usr", `d${i % 8}`);
    mkdirSync(sub, { recursive: true });
    if (i % 2 === 0) await $`head -c ${16 * 1024 * 1024} /dev/urandom > ${join(sub, `r${i}.bin`)}`.quiet();
    else
      await $`yes "luna text line ${i} for compression" | head -c ${16 * 1024 * 1024} > ${join(sub, `t${i}.txt`)}`.quiet();
  }
  await $`sync`.quiet();
  const env = { ...process.env, LUNA_STORE: `sqlite:${join(dir, "luna.db")}`, LUNA_CONFIG: "" };
  const run = (args: string[]) => {
    const t = performance.now();
    const r = Bun.spawnSync([luna, ...args], { env });
    if (r.exitCode !== 0) throw new Error(r.stderr.toString());
    return (performance.now() - t) / 1000;
  };
  run(["cluster", "init", "--frontend_address", "127.0.0.1", "--path", join(dir, "opt")]);
  run(["osimage", "add", "-n", "img", "-p", tree]);
  const tarFloor = async () => {
    const t0 = performance.now();
    await $`tar -C ${tree} -cf - . | cat > /dev/null`.quiet();
    return (performance.now() - t0) / 1000;
  };
  const pack = (c: string) => async () =>
    run(["osimage", "pack", "-n", "img", "--compress", c, "--image", "--initrdfile", join(dir, "initrd")]);
  const cases: [string, () => Promise<number>][] = [
    ["tar to /dev/null (read floor)", tarFloor],
    ...["zstd", "gzip", "none"].map((c): [string, () => Promise<number>] => [
      `luna osimage pack --compress ${c}`,
      pack(c),
    ]),
  ];
  // Rounds interleave the cases, so a noisy moment on the shared machine hits all of them alike;
  // each row reports its median.
  const times: number[][] = cases.map(() => []);
  for (let round = 0; round < runs; round++)
    for (const [i, [, f]] of cases.entries()) times[i]?.push(await f());
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const floor = median(times[0] ?? []);
  const table = [
    "| run | median s | MB/s read | × read floor |",
    "|---|---:|---:|---:|",
    ...cases.map(([n], i) => {
      const s = median(times[i] ?? []);
      return `| ${n} | ${s.toFixed(2)} | ${(sizeMB / s).toFixed(0)} | ${(s / floor).toFixed(2)} |`;
    }),
  ].join("\n");
  const header = `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}; tree of ${sizeMB} MiB (half random, half text, 16 MiB files); zstd -T0 -3; median of ${runs} interleaved runs; pack time includes the .torrent (SHA-1 of every piece); ${smoke ? "SMOKE RUN" : "full run"}.`;
  console.log(`${header}\n\n${table}`);
  if (writeTo)
    replaceSection(
      writeTo,
      "bench-pack",
      "Image packing",
      `${header}\n\nCommand: \`bun scripts/bench-pack.ts --size ${sizeMB} --write ${writeTo}\`\n\n${table}`,
    );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
