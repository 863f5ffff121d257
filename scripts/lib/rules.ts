/**
 * Architecture rules checked by `bun run check` (see ARCHITECTURE.md):
 * - src/domain imports only src/domain, @sinclair/typebox and ipaddr.js (pure, no I/O);
 * - adapters (store, server, torrent, snmp, netsvc, power, pack, config, tftp, admin) import the domain,
 *   config and their own folder, never the CLI, the runtime or another adapter;
 * - cli/, runtime/ and main.ts compose everything;
 * - lib/ is the shared layer every area may import (logger type, atomic write, exec, pid
 *   liveness); it imports only lib/ itself and the runtime's built-ins (node:*, bun);
 * - node/ holds what runs on a node (the dracut module, the install body): its shell files are
 *   assets any layer may embed as text; no other `.sh` import is allowed.
 * And no file under src/ grows past the size limit.
 *
 * Test files: no `*.test.ts` imports another (bun would register the imported file's tests in
 * the importer too; shared data lives in test/helpers/), and a test that `npm run test:fast`
 * selects (outside test/e2e/, not named `*.slow.test.ts`) reaches nothing that makes it slow.
 */

import { existsSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { Glob } from "bun";

const ADAPTERS = ["store", "server", "torrent", "snmp", "netsvc", "power", "pack", "config", "tftp", "admin"];
const DOMAIN_PACKAGES = ["@sinclair/typebox", "ipaddr.js"];

const importsOf = (text: string): string[] =>
  [
    ...text.matchAll(/(?:import|export)\s[^"']*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g),
  ].map((m) => (m[1] ?? m[2]) as string);

const area = (file: string): string => file.split("/")[1] ?? "";

export async function checkLayers(root: string): Promise<string[]> {
  const problems: string[] = [];
  for await (const file of new Glob(`${root}/**/*.ts`).scan(".")) {
    const from = area(file);
    for (const spec of importsOf(await Bun.file(file).text())) {
      const local = spec.startsWith(".");
      const resolved = local ? relative(".", normalize(join(dirname(file), spec))) : spec;
      // Shell files embedded as text (the install body, the dracut module) are assets, not code.
      if (spec.endsWith(".sh")) {
        if (!local || !resolved.startsWith("node/")) {
          problems.push(`${file}: '${spec}' is a shell file outside node/ (node-side scripts live there)`);
        }
        continue;
      }
      const target = local ? area(resolved) : spec;
      if (from === "lib") {
        const ok = local ? target === "lib" : spec.startsWith("node:") || spec === "bun";
        if (!ok) problems.push(`${file}: lib may import only lib and built-ins, not '${spec}'`);
      } else if (local && target === "lib") {
        // the shared layer: open to every area
      } else if (from === "domain") {
        const ok = local
          ? target === "domain"
          : DOMAIN_PACKAGES.some((p) => spec === p || spec.startsWith(`${p}/`));
        if (!ok) problems.push(`${file}: the domain may not import '${spec}'`);
      } else if (
        ADAPTERS.includes(from) &&
        local &&
        target !== from &&
        target !== "domain" &&
        target !== "config"
      ) {
        problems.push(
          `${file}: adapter '${from}' may not import '${spec}' (only domain, config and its own folder)`,
        );
      }
    }
  }
  return problems;
}

export async function checkSizes(root: string, maxLines: number): Promise<string[]> {
  const problems: string[] = [];
  for await (const file of new Glob(`${root}/**/*.ts`).scan(".")) {
    const lines = (await Bun.file(file).text()).split("\n").length;
    if (lines > maxLines) problems.push(`${file}: ${lines} lines (limit ${maxLines}); split it`);
  }
  return problems;
}

/** What makes a test slow, by the module that does it (imported directly or through helpers). */
const SLOW_MODULES: Record<string, string> = {
  "test/helpers/luna.ts": "runs the compiled binary",
  "test/helpers/vm-lab.ts": "boots VMs",
  "test/helpers/qemu-boot.ts": "boots VMs",
  "scripts/lib/netns.ts": "uses network namespaces",
  "test/helpers/swarm.ts": "runs real BitTorrent swarms (seconds of waiting)",
};
const ROOT_ONLY = /process\.getuid/;

/** The rule `npm run test:fast` applies: everything but test/e2e/ and `*.slow.test.ts`. */
export const isSlowTest = (file: string): boolean =>
  file.startsWith("test/e2e/") || file.endsWith(".slow.test.ts");

/** Local TypeScript files `file` imports, as paths relative to the working directory. */
const localImports = (file: string, text: string): string[] =>
  importsOf(text)
    .filter((spec) => spec.startsWith(".") && spec.endsWith(".ts"))
    .map((spec) => relative(".", normalize(join(dirname(file), spec))));

/**
 * Why `file` is slow, following its imports through test/ and scripts/ (src/ is what tests
 * exercise, not how), or undefined when it is not.
 */
async function slowReason(file: string, seen = new Set<string>()): Promise<string | undefined> {
  if (seen.has(file) || !existsSync(file) || file.startsWith("src/")) return undefined;
  seen.add(file);
  const own = SLOW_MODULES[file];
  if (own) return `${own} (${file})`;
  const text = await Bun.file(file).text();
  if (file.startsWith("test/") && ROOT_ONLY.test(text)) return `needs root (${file})`;
  for (const dep of localImports(file, text)) {
    const why = await slowReason(dep, seen);
    if (why) return why;
  }
  return undefined;
}

export async function checkTests(root: string): Promise<string[]> {
  const problems: string[] = [];
  for await (const file of new Glob(`${root}/**/*.test.ts`).scan(".")) {
    const text = await Bun.file(file).text();
    for (const dep of localImports(file, text).filter((d) => d.endsWith(".test.ts"))) {
      problems.push(`${file}: imports the test file ${dep}; move what they share to test/helpers/`);
    }
    if (isSlowTest(file)) continue;
    const why = await slowReason(file);
    if (why) {
      problems.push(`${file}: ${why}; move it to test/e2e/ or name it *.slow.test.ts`);
    }
  }
  return problems;
}
