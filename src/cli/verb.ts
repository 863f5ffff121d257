/**
 * One helper to declare a `luna <noun> <verb>`: citty metadata and args for --help, strict
 * checking of the raw arguments, then the action with plain parsed values.
 */
import { type ArgsDef, type CommandDef, defineCommand } from "citty";
import { renameDoc } from "../domain/common.ts";
import { AppError } from "../domain/errors.ts";
import type { Kind } from "../domain/model.ts";
import type { StoreWriter } from "../domain/store.ts";
import { checkArgs, nameArgs, nameOf, opt } from "./args.ts";
import type { CliContext } from "./context.ts";

export type Parsed = Record<string, unknown>;

export interface VerbSpec {
  noun: string;
  name: string;
  description: string;
  args: ArgsDef;
  /** string flags whose value may be left out (e.g. `--delnet [NET]`) */
  optionalValue?: string[];
  run: (args: Parsed) => Promise<void>;
}

export function verb(spec: VerbSpec): CommandDef {
  return defineCommand({
    meta: { name: spec.name, description: spec.description },
    args: spec.args,
    async run({ args, rawArgs }) {
      checkArgs(`${spec.noun} ${spec.name}`.trim(), rawArgs, spec.args, spec.optionalValue);
      await spec.run(args as Parsed);
    },
  });
}

export const jsonArg: ArgsDef = { json: { type: "boolean", description: "print JSON for scripts" } };
export const commentArg: ArgsDef = {
  comment: { type: "string", alias: ["C"], description: "free-text comment" },
};
export const newNameArg: ArgsDef = {
  newname: { type: "string", alias: ["nn"], required: true, description: "the new name" },
};

export function noun(name: string, description: string, verbs: Record<string, () => CommandDef>): CommandDef {
  const subCommands: Record<string, () => CommandDef> = {};
  for (const [k, v] of Object.entries(verbs)) subCommands[k] = v;
  return defineCommand({ meta: { name, description }, subCommands });
}

export function nothingToChange(noun: string): never {
  throw new AppError("INVALID_ARGUMENT", "Nothing to change", `See 'luna ${noun} change --help'`);
}

/** Values of the given string flags that were set. */
export function pick(a: Parsed, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = a[k];
    if (typeof v === "string") out[k] = v;
  }
  return out;
}

/** Runs `fn` for every name, all in one transaction: a bulk change lands whole or not at all. */
export function forEachName(
  ctx: CliContext,
  names: string[],
  fn: (tx: StoreWriter, name: string) => Promise<unknown>,
): Promise<void> {
  return ctx.write(async (tx) => {
    for (const name of names) await fn(tx, name);
  });
}

/** `luna <noun> rename NAME --newname NEW` (the same for every object: names only, ids keep links). */
export const renameVerb = (ctx: CliContext, noun: Kind, description: string) => () =>
  verb({
    noun,
    name: "rename",
    description,
    args: { ...nameArgs(noun), ...newNameArg },
    run: async (a) => ctx.write((tx) => renameDoc(tx, noun, nameOf(noun, a), opt(a.newname) as string)),
  });
