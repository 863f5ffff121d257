/**
 * Length limits on stored text. The limits are `maxLength` in the schemas (model.ts); this
 * module checks a document against them as it is written, so an over-long comment, script or
 * path is refused with one clear error and nothing is stored. The CLI runs every transaction
 * through `withTextLimits`; any other writer of operator text should do the same.
 *
 * Only values that change are checked: a document stored by an older version with a longer
 * comment can still be changed in other ways (and the comment shortened).
 */
import { ValueErrorType } from "@sinclair/typebox/errors";
import { Value, ValuePointer } from "@sinclair/typebox/value";
import { AppError } from "./errors.ts";
import { type Kind, type Kinds, SCHEMAS } from "./model.ts";
import type { StoreWriter } from "./store.ts";

/** `/interfaces/1/params` of a group reads as "params of interface 'enp7s0'". */
function fieldLabel(doc: unknown, path: string): string {
  const parts = path.split("/").filter(Boolean);
  if (parts[0] === "interfaces" && parts.length === 3) {
    const name = ValuePointer.Get(doc, `/interfaces/${parts[1]}/name`);
    return `${parts[2]} of interface '${name}'`;
  }
  return parts.join(".");
}

export function checkTextLimits<K extends Kind>(kind: K, doc: Kinds[K], before?: Kinds[K]): void {
  const schema = (SCHEMAS as Partial<Record<Kind, (typeof SCHEMAS)[keyof typeof SCHEMAS]>>)[kind];
  if (!schema) return;
  for (const e of Value.Errors(schema, doc)) {
    // Only lengths: other schema differences are not this check's business.
    if (e.type !== ValueErrorType.StringMaxLength) continue;
    if (before !== undefined && ValuePointer.Get(before, e.path) === e.value) continue;
    const length = String(e.value).length;
    throw new AppError(
      "INVALID_ARGUMENT",
      `Text too long for the ${fieldLabel(doc, e.path)} of ${kind} '${doc.name}': ${length} characters, at most ${e.schema.maxLength}`,
      "Shorten it; nothing was changed",
    );
  }
}

/** The same transaction, with every insert and update checked against the text limits. */
export function withTextLimits(tx: StoreWriter): StoreWriter {
  return {
    get: (kind, id) => tx.get(kind, id),
    byName: (kind, name) => tx.byName(kind, name),
    list: (kind) => tx.list(kind),
    remove: (kind, id) => tx.remove(kind, id),
    async insert(kind, doc) {
      checkTextLimits(kind, doc);
      await tx.insert(kind, doc);
    },
    async update(kind, doc) {
      checkTextLimits(kind, doc, await tx.get(kind, doc.id));
      await tx.update(kind, doc);
    },
  };
}
