/**
 * CLI start-up benchmark: times the compiled `luna` for `--help`, `node add` and
 * `node list --json` on a store with N nodes, side by side with a compiled hello-world Bun
 * binary (the floor for any command on this machine), and prints a Markdown table of
 * medians and ratios. `--smoke` does a tiny run for CI (no conclusions drawn from it).
 *
 *   bun scripts/bench-cli.ts [--nodes 1000] [--runs 30] [--smoke] [--write docs/benchmarks.md]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { replaceSection } from "./lib/docs.ts";

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const smoke = argv.includes("--smoke");
const nodes = flag("nodes", smoke ? 20 : 1000);
const runs = flag("runs", smoke ? 3 : 30);
const writeTo = argv.includes("--write") ? argv[argv.indexOf("--write") + 1] : undefined;

const dir = mkdtempSync(join(tmpdir(), "luna-bench-cli-"));
try {
  const sh = (cmd: string[], env: Record<string, string> = {}) => {
    const r = Bun.spawnSync(cmd, { env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed: ${r.stderr.toString()}`);
    return r.stdout.toString();
  };
  const luna = join(dir, "luna");
  const hello = join(dir, "hello");
  sh([process.execPath, "scripts/build.ts", luna]);
  writeFileSync(join(dir, "hello.ts"), 'console.log("hello");\n');
  sh([
    process.execPath,
    "build",
    join(dir, "hello.ts"),
    "--compile",
    "--minify",
    "--bytecode",
    "--format=esm",
    "--outfile",
    hello,
  ]);

  const env = { LUNA_STORE: `sqlite:${join(dir, "luna.db")}`, LUNA_CONFIG: "" };
  const image = join(dir, "img");
  mkdirSync(join(image, "boot"), { recursive: true });
  writeFileSync(join(image, "boot", "vmlinuz-6.1.0-bench"), "k");
  for (const line of [
    "cluster init",
    "network add -n cluster -N 10.30.0.0 -P 16",
    `osimage add -n compute -p ${image}`,
    "group add -n compute -i eth0 -o compute -N cluster",
    `node add -g compute -n node[${"1".padStart(4, "0")}-${String(nodes).padStart(4, "0")}]`,
  ]) {
    sh([luna, ...line.split(" ")], env);
  }

  const time = (cmd: string[]): number[] => {
    const out: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      sh(cmd, env);
      out.push(performance.now() - t);
    }
    return out;
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const floor = median(time([hello]));
  const rows: [string, number][] = [
    ["hello-world (floor)", floor],
    ["luna --help", median(time([luna, "--help"]))],
    ["luna version", median(time([luna, "version"]))],
    [
      `luna node add -g compute (store with ${nodes}+ nodes)`,
      median(time([luna, "node", "add", "-g", "compute"])),
    ],
    [`luna node list --json (${nodes}+ nodes)`, median(time([luna, "node", "list", "--json"]))],
  ];
  const table = [
    `| command | median ms | × floor |`,
    `|---|---:|---:|`,
    ...rows.map(([name, ms]) => `| ${name} | ${ms.toFixed(1)} | ${(ms / floor).toFixed(1)} |`),
  ].join("\n");
  const header = `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Bun ${Bun.version}; ${runs} runs each, medians; ${smoke ? "SMOKE RUN" : "full run"}.`;
  console.log(`${header}\n\n${table}`);
  if (writeTo) {
    replaceSection(
      writeTo,
      "bench-cli",
      "CLI start-up",
      `${header}\n\nCommand: \`bun scripts/bench-cli.ts --nodes ${nodes} --runs ${runs} --write ${writeTo}\`\n\n${table}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
