/**
 * The layer rules of `bun run check` (scripts/lib/rules.ts) on a small tree: src/lib is open
 * to every area and imports nothing of ours, node-side shell files are embedded only from
 * node/, the domain and the adapters keep their limits.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { checkLayers } from "../../scripts/lib/rules.ts";
import { tempDir } from "../helpers/node-shell.ts";

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
