/**
 * Strict argument checking on top of citty, which accepts unknown flags silently. Every verb
 * calls `checkArgs` first, so a typo such as `--setnett` is an error naming the flag, never a
 * change that quietly did nothing. Also the shared pieces: the name given positionally or with
 * -n, and `-e` text read from stdin or $EDITOR.
 */
import type { ArgsDef } from "citty";
import { AppError } from "../domain/errors.ts";

const kebab = (s: string) =>
  s
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replaceAll("_", "-")
    .toLowerCase();
const camel = (s: string) => s.replace(/[-_]([a-z0-9])/g, (_, c: string) => c.toUpperCase());

interface Known {
  type: string;
  optionalValue: boolean;
  /** the long name, for messages about a short alias */
  long: string;
}

export function checkArgs(
  command: string,
  rawArgs: string[],
  def: ArgsDef,
  optionalValue: string[] = [],
): void {
  const known = new Map<string, Known>();
  let positionals = 0;
  for (const [name, spec] of Object.entries(def)) {
    if (spec.type === "positional") {
      positionals++;
      continue;
    }
    const info = {
      type: spec.type ?? "string",
      optionalValue: optionalValue.includes(name),
      long: kebab(name),
    };
    const aliases =
      "alias" in spec && spec.alias ? (Array.isArray(spec.alias) ? spec.alias : [spec.alias]) : [];
    for (const n of [name, kebab(name), camel(name), ...aliases]) known.set(n, info);
  }
  const help = `See 'luna ${command} --help'`;
  let seen = 0;
  for (let i = 0; i < rawArgs.length; i++) {
    const token = rawArgs[i];
    if (token === undefined) break;
    if (token === "--") {
      seen += rawArgs.length - i - 1;
      break;
    }
    if (token.startsWith("-") && token.length > 1 && !/^-\d/.test(token)) {
      const long = token.startsWith("--");
      const body = long ? token.slice(2) : token.slice(1);
      const eq = body.indexOf("=");
      const flag = eq >= 0 ? body.slice(0, eq) : body;
      if (!long && flag.length !== 1) {
        throw new AppError(
          "INVALID_ARGUMENT",
          `Unknown option '${token}' for 'luna ${command}'`,
          `Short options take one letter. ${help}`,
        );
      }
      const info = known.get(flag);
      if (!info)
        throw new AppError("INVALID_ARGUMENT", `Unknown option '${token}' for 'luna ${command}'`, help);
      if (info.type === "boolean") {
        if (eq >= 0) throw new AppError("INVALID_ARGUMENT", `Option '--${flag}' takes no value`, help);
        continue;
      }
      // citty keeps the '=' of `-C=x` in the value ("=x"): only long options take `=VALUE`.
      if (!long && eq >= 0) {
        throw new AppError(
          "INVALID_ARGUMENT",
          `Option '-${flag}' takes its value as the next word, not after '='`,
          `Write -${flag} VALUE, or --${info.long}=VALUE for a value that starts with '-'. ${help}`,
        );
      }
      if (eq >= 0) continue;
      const next = rawArgs[i + 1];
      if (info.optionalValue && (next === undefined || next.startsWith("-"))) continue;
      // A flag-looking word after a flag is almost always a forgotten value; `--opt=-x` passes one.
      if (next === undefined || (next.length > 1 && next.startsWith("-") && !/^-\d/.test(next))) {
        throw new AppError(
          "INVALID_ARGUMENT",
          `Option '${token}' needs a value`,
          `Write --${info.long}=VALUE for a value that starts with '-'. ${help}`,
        );
      }
      i++;
      continue;
    }
    seen++;
  }
  if (seen > positionals) {
    throw new AppError("INVALID_ARGUMENT", `Too many arguments for 'luna ${command}'`, help);
  }
}

/** The object name, given either positionally (1.2 style) or with -n/--name (seed style). */
export function nameOf(kind: string, args: { target?: unknown; name?: unknown }): string {
  const positional = typeof args.target === "string" ? args.target : undefined;
  const flag = typeof args.name === "string" ? args.name : undefined;
  if (positional && flag && positional !== flag) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `Two different names given: '${positional}' and '${flag}'`,
      "Give the name once",
    );
  }
  const name = flag ?? positional;
  if (!name)
    throw new AppError(
      "INVALID_ARGUMENT",
      `Which ${kind}? Give its name`,
      `luna ${kind} VERB NAME, or -n NAME`,
    );
  return name;
}

export const nameArgs = (kind: string) =>
  ({
    target: { type: "positional", required: false, description: `${kind} name` },
    name: { type: "string", alias: ["n"], description: `${kind} name (same as the positional NAME)` },
  }) satisfies ArgsDef;

/** Optional string flag value, or undefined when the flag was not given. */
export const opt = (v: unknown): string | undefined =>
  typeof v === "string" ? v : v === true ? "" : undefined;

export interface TextInput {
  stdinIsTTY: boolean;
  readStdin: () => Promise<string>;
  editor: (initial: string) => Promise<string>;
}

/**
 * Text for `-e`/`--edit` and script flags: all of stdin when it is not a terminal, else the
 * user's $EDITOR on the current text. Zero bytes on stdin is refused (almost always a mistake);
 * a lone newline clears the text. One trailing newline is dropped, as the original did.
 */
export async function readText(io: TextInput, current: string, what: string): Promise<string> {
  const raw = io.stdinIsTTY ? await io.editor(current) : await io.readStdin();
  if (raw.length === 0) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `No text for ${what} on standard input`,
      "Pipe the new text in; to clear it, pipe an empty line: echo | luna ...",
    );
  }
  return raw.endsWith("\n") ? raw.slice(0, -1) : raw;
}
