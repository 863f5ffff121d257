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
 */

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
