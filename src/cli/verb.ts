/**
 * One helper to declare a `luna <noun> <verb>`: citty metadata and args for --help, strict
 * checking of the raw arguments, then the action with plain parsed values.
 */
import { type ArgsDef, type CommandDef, defineCommand, type ParsedArgs } from "citty";
import { renameDoc } from "../domain/common.ts";
import { AppError } from "../domain/errors.ts";
import type { Kind } from "../domain/model.ts";
import type { StoreWriter } from "../domain/store.ts";
import { checkArgs, nameArgs, nameOf } from "./args.ts";
import type { CliContext } from "./context.ts";

/** What citty parsed for the args definition `T`: a required string flag is a `string`, etc. */
export type Parsed<T extends ArgsDef> = ParsedArgs<T>;

export interface VerbSpec<T extends ArgsDef> {
  noun: string;
  name: string;
  description: string;
  args: T;
  /** string flags whose value may be left out (e.g. `--delnet [NET]`) */
  optionalValue?: (keyof T & string)[];
  run: (args: Parsed<T>) => Promise<void>;
}

export function verb<const T extends ArgsDef>(spec: VerbSpec<T>): CommandDef {
  const command = defineCommand<T>({
    meta: { name: spec.name, description: spec.description },
    args: spec.args,
    async run({ args, rawArgs }) {
      checkArgs(`${spec.noun} ${spec.name}`.trim(), rawArgs, spec.args, spec.optionalValue);
      await spec.run(args);
    },
  });
  return command as unknown as CommandDef;
}

export const jsonArg = { json: { type: "boolean", description: "print JSON for scripts" } } satisfies ArgsDef;
export const commentArg = {
  comment: { type: "string", alias: ["C"], description: "free-text comment" },
} satisfies ArgsDef;
export const newNameArg = {
  newname: { type: "string", alias: ["nn"], required: true, description: "the new name" },
} satisfies ArgsDef;

export function noun(name: string, description: string, verbs: Record<string, () => CommandDef>): CommandDef {
  const subCommands: Record<string, () => CommandDef> = {};
  for (const [k, v] of Object.entries(verbs)) subCommands[k] = v;
  return defineCommand({ meta: { name, description }, subCommands });
}

export function nothingToChange(noun: string): never {
  throw new AppError("INVALID_ARGUMENT", "Nothing to change", `See 'luna ${noun} change --help'`);
}

/** Values of the given string flags that were set. */
export function pick(a: Record<string, unknown>, keys: readonly string[]): Record<string, string> {
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
    run: async (a) => ctx.write((tx) => renameDoc(tx, noun, nameOf(noun, a), a.newname)),
  });
