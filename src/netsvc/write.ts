/**
 * Writing generated files safely (lib/atomic-write.ts, durable): a reader (dhcpd, named, a
 * crash at any moment) sees the old file or the new one, never half of one. The old file's
 * mode and owner are kept, so a zone file that named reads as group `named` stays readable.
 */
import { readFileSync } from "node:fs";
import { AppError } from "../domain/errors.ts";
import { writeFileAtomic } from "../lib/atomic-write.ts";

export function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw ioError("read", path, e);
  }
}

const ioError = (what: string, path: string, e: unknown) =>
  new AppError(
    "EXTERNAL_COMMAND",
    `Cannot ${what} ${path}: ${(e as Error).message}`,
    "Check the path and that you may write there (root for /etc)",
  );

export function writeAtomic(path: string, text: string, defaultMode = 0o644): void {
  try {
    writeFileAtomic(path, text, { mode: defaultMode, keepOld: true, durable: true });
  } catch (e) {
    throw ioError("write", path, e);
  }
}
