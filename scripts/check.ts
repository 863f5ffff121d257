/**
 * The one gate (`bun run check`): Biome, tsc --noEmit (strict), the layer rules, the file-size
 * rule, shellcheck on shell files, then the whole test suite. Stops at the first failure.
 * `bun run check --no-test` runs everything but the tests.
 */
import { $ } from "bun";
import { checkLayers, checkSizes } from "./lib/rules.ts";

const runTests = !process.argv.includes("--no-test");
const step = (name: string) => console.log(`\n== ${name}`);

step("biome");
await $`biome check .`;
step("tsc --noEmit");
await $`tsc --noEmit -p .`;
step("layers and file sizes");
const problems = [...(await checkLayers("src")), ...(await checkSizes("src", 300))];
for (const p of problems) console.error(`  ${p}`);
if (problems.length > 0) process.exit(1);
console.log("  ok");
step("shellcheck");
const shellFiles = (await $`git ls-files '*.sh' 'node/**' 'scripts/cluster-sim' '.ci/run'`.text())
  .split("\n")
  .filter(Boolean);
const shellcheck = Bun.which("shellcheck");
if (shellFiles.length > 0) {
  if (!shellcheck) {
    console.error("  shellcheck is not installed (apt-get install shellcheck); .ci/run installs it");
    process.exit(1);
  }
  await $`shellcheck -x --source-path=SCRIPTDIR ${shellFiles}`;
}
console.log(`  ${shellFiles.length} files ok`);
if (runTests) {
  step("tests");
  await $`bun test --timeout 300000`;
}
