/**
 * The layer rules of `bun run check` (scripts/lib/rules.ts) on a small tree: src/lib is open
 * to every area and imports nothing of ours, node-side shell files are embedded only from
 * node/, the domain and the adapters keep their limits. And the test-file rules: no test file
 * imports another, and a test that `npm run test:fast` selects reaches no binary, VM, network
 * namespace, real swarm or root check, directly or through helpers.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { checkLayers, checkTests, isSlowTest } from "../../scripts/lib/rules.ts";
import { tempDir } from "../helpers/node-shell.ts";

const use = (spec: string) => `import { x } from "${spec}";`;
const ROOT_CHECK = "expect(process." + "getuid?.()).toBe(0);";

const TREE: Record<string, string> = {
  "src/lib/exec.ts": 'import { spawn } from "node:child_process";\nimport { x } from "./pid.ts";',
  "src/lib/pid.ts": 'import type { Logger } from "./logger.ts";',
  "src/lib/bad.ts": 'import { AppError } from "../domain/errors.ts";\nimport { t } from "elysia";',
  "src/domain/boot/urls.ts": 'import type { Logger } from "../../lib/logger.ts";',
  "src/domain/boot/install-script.ts":
    'import body from "../../../node/install-body.sh" with { type: "text" };',
  "src/domain/bad.ts": 'import { exec } from "../pack/pack.ts";',
  "src/server/files.ts": 'import type { Logger } from "../lib/logger.ts";',
  "src/pack/dracut-module.ts":
    'import lib from "../../node/dracut/95luna/luna-lib.sh" with { type: "text" };',
  "src/pack/bad.ts":
    'import s from "./script.sh" with { type: "text" };\nimport { y } from "../server/app.ts";',
  "src/runtime/daemon.ts":
    'import { createApp } from "../server/app.ts";\nimport { exec } from "../lib/exec.ts";',
  // test files (imports written through `use`, and the root check split, so that this file's
  // own text does not look like a test importing those files)
  "test/helpers/luna.ts": "export const sandbox = 1;",
  "test/helpers/swarm.ts": "export const startSwarm = 1;",
  "test/helpers/cluster.ts": use("../../src/lib/pid.ts"),
  "test/helpers/box.ts": use("./luna.ts"),
  "scripts/lib/netns.ts": "export const ns = 1;",
  "test/e2e/walk.test.ts": `${use("../helpers/luna.ts")}\nexport const SEED = 1;`,
  "test/e2e/other.test.ts": use("./walk.test.ts"),
  "test/server/ok.test.ts": use("../helpers/cluster.ts"),
  "test/server/via-helper.test.ts": use("../helpers/box.ts"),
  "test/torrent/swarm.test.ts": use("../helpers/swarm.ts"),
  "test/torrent/swarm.slow.test.ts": use("../helpers/swarm.ts"),
  "test/security/root.test.ts": ROOT_CHECK,
  "test/security/root.slow.test.ts": ROOT_CHECK,
  "test/bench/ns.test.ts": use("../../scripts/lib/netns.ts"),
};

const dir = tempDir("luna-rules-");
const cwd = process.cwd();
beforeAll(() => {
  for (const [path, text] of Object.entries(TREE)) {
    mkdirSync(join(dir.path, dirname(path)), { recursive: true });
    writeFileSync(join(dir.path, path), `${text}\n`);
  }
  process.chdir(dir.path);
});
afterAll(() => {
  process.chdir(cwd);
  dir[Symbol.dispose]();
});

test("checkLayers reports exactly the imports that break a rule", async () => {
  expect((await checkLayers("src")).sort()).toEqual([
    "src/domain/bad.ts: the domain may not import '../pack/pack.ts'",
    "src/lib/bad.ts: lib may import only lib and built-ins, not '../domain/errors.ts'",
    "src/lib/bad.ts: lib may import only lib and built-ins, not 'elysia'",
    "src/pack/bad.ts: './script.sh' is a shell file outside node/ (node-side scripts live there)",
    "src/pack/bad.ts: adapter 'pack' may not import '../server/app.ts' (only domain, config and its own folder)",
  ]);
});

test("checkTests reports a test importing a test, and slow tests that test:fast would run", async () => {
  expect((await checkTests("test")).sort()).toEqual([
    "test/bench/ns.test.ts: uses network namespaces (scripts/lib/netns.ts); move it to test/e2e/ or name it *.slow.test.ts",
    "test/e2e/other.test.ts: imports the test file test/e2e/walk.test.ts; move what they share to test/helpers/",
    "test/security/root.test.ts: needs root (test/security/root.test.ts); move it to test/e2e/ or name it *.slow.test.ts",
    "test/server/via-helper.test.ts: runs the compiled binary (test/helpers/luna.ts); move it to test/e2e/ or name it *.slow.test.ts",
    "test/torrent/swarm.test.ts: runs real BitTorrent swarms (seconds of waiting) (test/helpers/swarm.ts); move it to test/e2e/ or name it *.slow.test.ts",
  ]);
});

test("test:fast selects by that rule: nothing under test/e2e/, no *.slow.test.ts", () => {
  expect(
    ["test/e2e/vm-boot.test.ts", "test/torrent/seeder.slow.test.ts", "test/server/routes.test.ts"].map(
      isSlowTest,
    ),
  ).toEqual([true, true, false]);
});
