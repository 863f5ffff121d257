/**
 * Builds the single `dist/luna` executable. Bytecode compilation needs ESM output; minifying
 * keeps start-up parsing short; splitting keeps each command's code (Elysia, MongoDB...) in its
 * own chunk inside the binary, loaded only by the commands that import it. Run with `bun run build`.
 */
import { $ } from "bun";

const out = process.argv[2] ?? "dist/luna";
const started = performance.now();
await $`bun build src/main.ts --compile --splitting --minify --sourcemap=none --bytecode --format=esm --target=bun --outfile ${out}`.quiet();
const size = Bun.file(out).size;
console.log(
  `built ${out} (${(size / 1e6).toFixed(1)} MB) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
