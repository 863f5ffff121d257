/**
 * Builds the single `dist/luna` executable. Bytecode compilation needs ESM output; minifying
 * keeps start-up parsing short; splitting keeps each command's code (Elysia, MongoDB...) in its
 * own chunk inside the binary, loaded only by the commands that import it. Run with `bun run build`.
 */
import { $ } from "bun";

const out = process.argv[2] ?? "dist/luna";
const started = performance.now();
// The checkpoint worker is an entrypoint of its own, named flat like the chunks so that
// `new URL("./checkpoint-worker.ts", import.meta.url)` finds it in the binary as in the source.
const entries = ["src/main.ts", "src/store/sqlite/checkpoint-worker.ts"];
await $`bun build ${entries} --compile --splitting --minify --sourcemap=none --bytecode --format=esm --target=bun --entry-naming [name].[ext] --outfile ${out}`.quiet();
const size = Bun.file(out).size;
console.log(
  `built ${out} (${(size / 1e6).toFixed(1)} MB) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
