/**
 * What every command gets: the resolved config, the store (opened on first use, closed by the
 * runner), output helpers and the text-input channel. Built once per invocation by run.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Config, parseStoreSpec } from "../config/config.ts";
import { AppError } from "../domain/errors.ts";
import { withTextLimits } from "../domain/limits.ts";
import type { Store, StoreWriter } from "../domain/store.ts";
import { openStore } from "../runtime/open-store.ts";
import type { TextInput } from "./args.ts";

export interface CliContext {
  config: Config;
  /** `--store` / `--config` as given on this command line, for a daemon started from it */
  globals: { store?: string; config?: string };
  store(): Promise<Store>;
  /** A transaction; only `cluster init` passes `create`, every other command needs a store. */
  write<T>(fn: (tx: StoreWriter) => Promise<T>, opts?: { create?: boolean }): Promise<T>;
  out(text: string): void;
  json(value: unknown): void;
  text: TextInput;
  now(): Date;
  close(): Promise<void>;
}

export function createContext(config: Config, globals: CliContext["globals"] = {}): CliContext {
  let opened: Promise<Store> | undefined;
  const store = (create = false) => {
    if (!opened) {
      const spec = parseStoreSpec(config.store);
      // A typo in --store or LUNA_STORE must not quietly start an empty cluster in a new file.
      if (spec.kind === "sqlite" && !create && !existsSync(spec.path)) {
        throw new AppError(
          "STORE_UNAVAILABLE",
          `No Luna store at ${spec.path}`,
          "Run 'luna cluster init' to create one there, or point --store sqlite:PATH or LUNA_STORE at the existing store",
        );
      }
      opened = openStore(spec);
    }
    return opened;
  };
  return {
    config,
    globals,
    store: () => store(),
    async write(fn, opts) {
      // Operator text is checked against the schemas' length limits in every transaction.
      return (await store(opts?.create === true)).write((tx) => fn(withTextLimits(tx)));
    },
    out: (text) => process.stdout.write(`${text}\n`),
    json: (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    text: {
      stdinIsTTY: Boolean(process.stdin.isTTY),
      readStdin: () => Bun.stdin.text(),
      editor: runEditor,
    },
    now: () => new Date(),
    async close() {
      if (opened) await (await opened.catch(() => undefined))?.close();
    },
  };
}

async function runEditor(initial: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "luna-edit-"));
  const file = join(dir, "text");
  try {
    writeFileSync(file, initial, { mode: 0o600 });
    const editor = process.env.VISUAL || process.env.EDITOR || "vi";
    const r = Bun.spawnSync(["sh", "-c", `${editor} "$1"`, "editor", file], {
      stdio: ["inherit", "inherit", "inherit"],
    });
    if (r.exitCode !== 0)
      throw new AppError(
        "EXTERNAL_COMMAND",
        `Editor '${editor}' exited with status ${r.exitCode}`,
        "Nothing was changed",
      );
    return readFileSync(file, "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
