/**
 * The CLI runner: global flags, --help, dispatch through citty, and the one table that turns
 * error codes into exit codes. Every error ends as one line on stderr and a non-zero exit.
 */
import { type CommandDef, runCommand } from "citty";
import { loadConfig } from "../config/config.ts";
import { AppError, type ErrorCode } from "../domain/errors.ts";
import { createContext } from "./context.ts";
import { renderHelp } from "./help.ts";
import { createMainCommand } from "./main-command.ts";

export const EXIT_CODES: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 2,
  INVALID_NAME: 2,
  INVALID_IP: 2,
  INVALID_MAC: 2,
  INVALID_NETWORK: 2,
  CONFIG_INVALID: 2,
  NOT_FOUND: 3,
  CLUSTER_NOT_INITIALISED: 3,
  ALREADY_EXISTS: 4,
  CLUSTER_EXISTS: 4,
  OBJECT_IN_USE: 4,
  IP_TAKEN: 4,
  IP_OUT_OF_NETWORK: 4,
  IP_POOL_EXHAUSTED: 4,
  CONFLICT: 4,
  FORBIDDEN: 4,
  STORE_UNAVAILABLE: 5,
  STORE_PERMISSION: 5,
  STORE_BUSY: 5,
  STORE_INVALID: 5,
  EXTERNAL_COMMAND: 6,
  NOT_IMPLEMENTED: 7,
};

interface Globals {
  store?: string;
  config?: string;
  debug: boolean;
  rest: string[];
}

/** Pulls --store, --config and --debug out of argv wherever they stand (before `--`). */
export function splitGlobals(argv: string[]): Globals {
  const g: Globals = { debug: false, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === undefined) break;
    if (a === "--") {
      g.rest.push(...argv.slice(i));
      break;
    }
    const m = /^--(store|config)(?:=(.*))?$/.exec(a);
    if (m) {
      const value = m[2] ?? argv[++i];
      if (value === undefined) throw new AppError("INVALID_ARGUMENT", `Option '--${m[1]}' needs a value`);
      g[m[1] as "store" | "config"] = value;
    } else if (a === "--debug" || (a === "-d" && i === 0)) {
      g.debug = true;
    } else {
      g.rest.push(a);
    }
  }
  return g;
}

async function findCommand(main: CommandDef, argv: string[]): Promise<{ cmd: CommandDef; path: string[] }> {
  let cmd = main;
  const path: string[] = [];
  for (const word of argv) {
    if (word.startsWith("-")) break;
    const subs = typeof cmd.subCommands === "function" ? await cmd.subCommands() : await cmd.subCommands;
    const next = subs?.[word];
    if (!next) break;
    cmd = typeof next === "function" ? await next() : await next;
    path.push(word);
  }
  return { cmd, path };
}

export async function runCli(argv: string[]): Promise<number> {
  let debug = false;
  let context: ReturnType<typeof createContext> | undefined;
  try {
    const globals = splitGlobals(argv);
    debug = globals.debug;
    const config = await loadConfig({ flags: globals, env: process.env });
    context = createContext(config, { store: globals.store, config: globals.config });
    const main = createMainCommand(context);
    const { cmd, path } = await findCommand(main, globals.rest);
    // After `--` every word is a positional, even `--help` (POSIX utility syntax guideline 10).
    const end = globals.rest.indexOf("--");
    const flags = end >= 0 ? globals.rest.slice(0, end) : globals.rest;
    const wantsHelp = flags.includes("--help") || flags.includes("-h");
    const subs = cmd.subCommands
      ? await (typeof cmd.subCommands === "function" ? cmd.subCommands() : cmd.subCommands)
      : undefined;
    if (wantsHelp || (subs && !cmd.run && globals.rest.length === path.length)) {
      process.stdout.write(`${await renderHelp(cmd, path)}\n`);
      return wantsHelp || path.length > 0 || globals.rest.length === 0 ? 0 : 2;
    }
    if (subs && !cmd.run) {
      const word = globals.rest[path.length];
      throw new AppError(
        "INVALID_ARGUMENT",
        `Unknown command '${word}' for 'luna ${path.join(" ")}'`.replace(" ''", ""),
        `See 'luna ${path.join(" ")} --help'`,
      );
    }
    await runCommand(cmd, { rawArgs: globals.rest.slice(path.length) });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    return report(e, debug);
  } finally {
    await context?.close();
  }
}

function report(e: unknown, debug: boolean): number {
  if (e instanceof AppError) {
    process.stderr.write(`luna: ${e.toLine()}\n`);
    if (debug) process.stderr.write(`${e.stack}\n`);
    return EXIT_CODES[e.code];
  }
  const err = e as Error;
  if (err?.name === "CLIError") {
    process.stderr.write(`luna: ${err.message.replace(/\x1b\[[0-9;]*m/g, "")}\n`);
    return 2;
  }
  process.stderr.write(`luna: internal error: ${err?.message ?? String(e)}\n`);
  if (debug) process.stderr.write(`${err?.stack}\n`);
  return 1;
}
