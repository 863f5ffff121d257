/**
 * `npm run test:fast`: the fast loop. One `bun test` run of every test file the rule in
 * scripts/lib/rules.ts selects: not under test/e2e/ and not named `*.slow.test.ts`, so no
 * compiled binary, VM, network namespace, real swarm or root. `bun run check` enforces the
 * rule. Files run in parallel, one worker per core (most of the time left is timers, not
 * CPU); extra arguments go to bun test (e.g. `--bail`, `-t PATTERN`).
 */
import { Glob } from "bun";
import { isSlowTest } from "./lib/rules.ts";

const files = (await Array.fromAsync(new Glob("test/**/*.test.ts").scan(".")))
  .filter((f) => !isSlowTest(f))
  .sort()
  .map((f) => `./${f}`);
const args = ["test", "--timeout", "60000", "--parallel", ...process.argv.slice(2), ...files];
const proc = Bun.spawn([process.execPath, ...args], { stdio: ["inherit", "inherit", "inherit"] });
process.exit(await proc.exited);
