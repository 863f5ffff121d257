/**
 * Stored documents as model.ts defines them. Both stores pass every document they read through
 * `readDocument`: the fields a schema gives a `default` are filled in when absent (documents
 * written before the field existed), then the document is checked against its kind's schema,
 * so the rest of the program can trust the types. A document that does not match is a
 * STORE_INVALID error naming the kind, the name and the field, not a crash somewhere later.
 *
 * Text longer than today's limits passes: an older version may have stored it, and limits.ts
 * refuses it only when it is changed. A kind is checked by TypeBox's interpreter at first and
 * gets a compiled check once it has been read COMPILE_AFTER times in this process: compiling
 * costs milliseconds a CLI command would notice, the interpreter microseconds per document a
 * daemon in a boot storm would (docs/benchmarks.md, "Reading documents through their schema").
 */
import type { TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { ValueErrorType } from "@sinclair/typebox/errors";
import { Value } from "@sinclair/typebox/value";
import { AppError } from "./errors.ts";
import { type Kind, type Kinds, SCHEMAS } from "./model.ts";

export const COMPILE_AFTER = 64;

interface Reader {
  schema: TSchema;
  defaults: [string, unknown][];
  check: (value: unknown) => boolean;
  reads: number;
}
const readers = new Map<Kind, Reader>();

function readerOf(kind: Kind): Reader {
  let r = readers.get(kind);
  if (!r) {
    const schema: TSchema = SCHEMAS[kind];
    const props = Object.entries(schema.properties as Record<string, TSchema>);
    r = {
      schema,
      defaults: props.filter(([, p]) => p.default !== undefined).map(([k, p]) => [k, p.default]),
      check: (value) => Value.Check(schema, value),
      reads: 0,
    };
    readers.set(kind, r);
  }
  return r;
}

/** The defaults a kind's schema declares, as a fresh object (arrays are not shared). */
export function defaultsOf<K extends Kind>(kind: K): Partial<Kinds[K]> {
  return Object.fromEntries(readerOf(kind).defaults.map(([k, v]) => [k, structuredClone(v)])) as Partial<
    Kinds[K]
  >;
}

/** A parsed stored document of `kind`, with its defaults filled in and checked. */
export function readDocument<K extends Kind>(kind: K, data: unknown): Kinds[K] {
  const r = readerOf(kind);
  if (++r.reads === COMPILE_AFTER) {
    const compiled = TypeCompiler.Compile(r.schema);
    r.check = (value) => compiled.Check(value);
  }
  if (typeof data === "object" && data !== null) {
    const doc = data as Record<string, unknown>;
    for (const [key, value] of r.defaults) {
      if (doc[key] === undefined) doc[key] = typeof value === "object" ? structuredClone(value) : value;
    }
  }
  if (r.check(data)) return data as Kinds[K];
  for (const e of Value.Errors(r.schema, data)) {
    if (e.type === ValueErrorType.StringMaxLength) continue;
    const name = (data as { name?: unknown } | null)?.name;
    const field = e.path.split("/").filter(Boolean).join(".") || "(the document)";
    throw new AppError(
      "STORE_INVALID",
      `The stored ${kind} '${typeof name === "string" ? name : "?"}' is not valid: ${field}: ${e.message}`,
      "It was written by something other than luna, or damaged; correct or remove it in the store",
    );
  }
  return data as Kinds[K];
}
