/**
 * A set of generated files compared with what is on disk: which are new, changed or unchanged,
 * the unified diff `--dry-run` prints, and writing only those that changed (atomically), so a
 * service is restarted only when its configuration really moved.
 */
import { readdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from "diff";
import { readIfExists, writeAtomic } from "./write.ts";

export interface OutFile {
  path: string;
  text: string;
}

export interface FileChange extends OutFile {
  status: "created" | "changed" | "unchanged" | "removed";
  diff: string;
}

export function unifiedDiff(path: string, before: string | undefined, after: string | undefined): string {
  return createTwoFilesPatch(
    before === undefined ? "/dev/null" : path,
    after === undefined ? "/dev/null" : path,
    before ?? "",
    after ?? "",
    undefined,
    undefined,
    { headerOptions: FILE_HEADERS_ONLY },
  );
}

export function compareFiles(files: OutFile[]): FileChange[] {
  return files.map((f) => {
    const before = readIfExists(f.path);
    const status = before === undefined ? "created" : before === f.text ? "unchanged" : "changed";
    return { ...f, status, diff: status === "unchanged" ? "" : unifiedDiff(f.path, before, f.text) };
  });
}

/** Files named `*<suffix>` in `dir` that are not in `keep` (zones of deleted or renamed networks). */
export function staleFiles(dir: string, suffix: string, keep: string[]): FileChange[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith(suffix) && !keep.includes(join(dir, n)))
    .sort()
    .map((n) => {
      const path = join(dir, n);
      return {
        path,
        text: "",
        status: "removed" as const,
        diff: unifiedDiff(path, readIfExists(path), undefined),
      };
    });
}

export function applyChanges(changes: FileChange[]): void {
  for (const c of changes) {
    if (c.status === "created" || c.status === "changed") writeAtomic(c.path, c.text);
    if (c.status === "removed") unlinkSync(c.path);
  }
}
