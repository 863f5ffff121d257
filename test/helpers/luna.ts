/**
 * Test helpers for running luna as a user does: the compiled binary (built once per test run
 * into a temp folder, or taken from LUNA_BINARY), copied alone into an empty folder with no
 * node_modules, and run against a temp SQLite store. Everything is removed on dispose.
 */
import { Database } from "bun:sqlite";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exec } from "../../src/lib/exec.ts";

const ROOT = join(import.meta.dir, "..", "..");
let built: Promise<string> | undefined;

/** Path of a freshly compiled luna binary, built once per `bun test` process. */
export function lunaBinary(): Promise<string> {
  built ??= (async () => {
    if (process.env.LUNA_BINARY) return process.env.LUNA_BINARY;
    const dir = mkdtempSync(join(tmpdir(), "luna-build-"));
    const out = join(dir, "luna");
    const r = await exec([process.execPath, "scripts/build.ts", out], { cwd: ROOT });
    if (r.code !== 0) throw new Error(`build failed: ${r.stderr}`);
    return out;
  })();
  return built;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Sandbox extends AsyncDisposable {
  dir: string;
  store: string;
  /** Runs the binary with argv (no shell). */
  luna(args: string[], stdin?: string): Promise<RunResult>;
  /** Runs a bash line with `luna` on PATH (for the README's pipes and here-docs). */
  sh(line: string): Promise<RunResult>;
  /** Canonical dump of the SQLite store, to prove bad input changed nothing. */
  dump(): string;
  /** Writes a minimal image tree (kernel file + modules folder) and returns its path. */
  imageTree(kver?: string): string;
}

export async function sandbox(): Promise<Sandbox> {
  const bin = await lunaBinary();
  const dir = mkdtempSync(join(tmpdir(), "luna-e2e-"));
  const binDir = join(dir, "bin");
  mkdirSync(binDir);
  copyFileSync(bin, join(binDir, "luna"));
  Bun.spawnSync(["chmod", "755", join(binDir, "luna")]);
  const store = join(dir, "state", "luna.db");
  const env = {
    PATH: `${binDir}:/usr/sbin:/usr/bin:/sbin:/bin`,
    HOME: dir,
    LUNA_STORE: `sqlite:${store}`,
    LUNA_CONFIG: "",
    NO_COLOR: "1",
  };
  // exactly code, stdout and stderr: tests compare the whole result with toEqual
  const run = async (cmd: string[], stdin?: string): Promise<RunResult> => {
    const { code, stdout, stderr } = await exec(cmd, { cwd: dir, env, stdin });
    return { code, stdout, stderr };
  };
  return {
    dir,
    store,
    luna: (args, stdin) => run([join(binDir, "luna"), ...args], stdin),
    sh: (line) => run(["bash", "-c", line]),
    dump() {
      const db = new Database(store, { readonly: true });
      try {
        return (
          db.query("SELECT kind, id, name, data FROM docs ORDER BY kind, name, id").all() as Record<
            string,
            string
          >[]
        )
          .map((r) => `${r.kind}\t${r.id}\t${r.name}\t${r.data}`)
          .join("\n");
      } finally {
        db.close();
      }
    },
    imageTree(kver = "6.1.0-13-amd64") {
      const root = join(dir, "os", "compute");
      mkdirSync(join(root, "boot"), { recursive: true });
      mkdirSync(join(root, "lib", "modules", kver), { recursive: true });
      writeFileSync(join(root, "boot", `vmlinuz-${kver}`), "kernel");
      return root;
    },
    async [Symbol.asyncDispose]() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
