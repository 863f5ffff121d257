/**
 * The one gate (`bun run check`): Biome, tsc --noEmit (strict), the layer rules, the file-size
 * rule, the test-file rules (no test imports another; what test:fast runs stays fast), dead
 * exports (knip), shellcheck on shell files and shfmt on node-side ones, then the whole test
 * suite. Stops at the first failure.
 * `bun run check --no-test` runs everything but the tests.
 */
import { $ } from "bun";
import { checkLayers, checkSizes, checkTests } from "./lib/rules.ts";
import { isNodeSide, shellFiles } from "./lib/shell-files.ts";

const runTests = !process.argv.includes("--no-test");
const step = (name: string) => console.log(`\n== ${name}`);

step("biome");
await $`biome check .`;
step("tsc --noEmit");
await $`tsc --noEmit -p .`;
step("layers, file sizes and test files");
const problems = [
  ...(await checkLayers("src")),
  ...(await checkSizes("src", 300)),
  ...(await checkTests("test")),
];
for (const p of problems) console.error(`  ${p}`);
if (problems.length > 0) process.exit(1);
console.log("  ok");
step("dead exports (knip)");
await $`knip --no-progress`;
console.log("  ok");
step("shellcheck and shfmt");
const shell = await shellFiles();
const tools = { shellcheck: Bun.which("shellcheck"), shfmt: Bun.which("shfmt") };
for (const [tool, path] of Object.entries(tools)) {
  if (!path) {
    console.error(`  ${tool} is not installed (apt-get install ${tool}); .ci/run installs it`);
    process.exit(1);
  }
}
await $`shellcheck -x --source-path=SCRIPTDIR ${shell}`;
// Formatting settings come from .editorconfig (shfmt reads it when given no flags).
const nodeSide = shell.filter(isNodeSide);
const unformatted = (await $`shfmt -l ${nodeSide}`.nothrow().text()).trim();
if (unformatted) {
  console.error(`  not formatted (run: shfmt -w FILE):\n${unformatted}`);
  process.exit(1);
}
console.log(`  ${shell.length} files ok, ${nodeSide.length} node-side files formatted`);
if (runTests) {
  step("tests");
  await $`bun test --timeout 300000`;
}
