/**
 * Runs the 95luna shell functions off-dracut: a real shell (dash as `sh` on Debian, and
 * bash) sources the module's files with a clean environment, a stub `getarg` that reads a
 * given command line, and optionally a folder of stub commands first on PATH.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { STUB_GETARG } from "../../scripts/lib/getarg.ts";
import { exec } from "../../src/lib/exec.ts";

export const MODULE_DIR = join(import.meta.dir, "../../node/dracut/95luna");

/** The shells the initramfs may have as /bin/sh that are on a Debian test machine. */
export const SHELLS = ["sh", "bash"] as const;

export type ShellResult = { code: number; stdout: string; stderr: string };

type ShellOptions = { source?: string[]; env?: Record<string, string>; cmdline?: string; stubs?: string };

function command(shell: string, script: string, opts: ShellOptions) {
  const sources = (opts.source ?? []).map((f) => `. "${join(MODULE_DIR, f)}"`).join("\n");
  return {
    cmd: [shell, "-c", `${STUB_GETARG}${sources}\n${script}`],
    env: {
      PATH: `${opts.stubs ? `${opts.stubs}:` : ""}/usr/bin:/bin`,
      GETARG_CMDLINE: opts.cmdline ?? "",
      ...opts.env,
    },
  };
}

/** Runs `script` in `shell` after sourcing the given module files (names in 95luna/). */
export function runNodeShell(shell: string, script: string, opts: ShellOptions = {}): ShellResult {
  const { cmd, env } = command(shell, script, opts);
  const r = Bun.spawnSync(cmd, { env });
  return { code: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** The same without blocking the event loop (for tests that serve HTTP to the script). */
export async function runNodeShellAsync(
  shell: string,
  script: string,
  opts: ShellOptions = {},
): Promise<ShellResult> {
  const { cmd, env } = command(shell, script, opts);
  const { code, stdout, stderr } = await exec(cmd, { env });
  return { code, stdout, stderr };
}

/** A temporary folder removed at the end of the `using` block. */
export function tempDir(prefix = "luna-node-"): { path: string } & Disposable {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

/** Writes executable stub commands that log their arguments to `<dir>/calls.log`. */
export function writeStubs(dir: string, names: string[], body = ""): string {
  const bin = join(dir, "stub-bin");
  mkdirSync(bin, { recursive: true });
  for (const name of names) {
    const path = join(bin, name);
    writeFileSync(path, `#!/bin/sh\necho "${name} $*" >> "${join(dir, "calls.log")}"\n${body}\n`);
    chmodSync(path, 0o755);
  }
  return bin;
}

/** Files under a fake /sys: `{ "class/net/eth0/address": "52:54:..." }`. */
export function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, ".."), { recursive: true });
    writeFileSync(join(root, rel), `${text}\n`);
  }
}

/**
 * A stand-in daemon on 127.0.0.1:0 recording query strings; `using` stops it. A string is the
 * body of every answer (200); a list answers the n-th request with answers[n] (the last repeats).
 */
export function fakeDaemon(answers: string | { status: number; body: string }[]) {
  const list = typeof answers === "string" ? [{ status: 200, body: answers }] : answers;
  const seen: string[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      seen.push(new URL(req.url).search);
      const a = list[Math.min(seen.length - 1, list.length - 1)] as { status: number; body: string };
      return new Response(a.body, { status: a.status });
    },
  });
  return { url: `http://127.0.0.1:${server.port}/luna`, seen, [Symbol.dispose]: () => server.stop(true) };
}
