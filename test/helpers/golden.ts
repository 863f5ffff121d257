/** Golden files: compares rendered text with test/fixtures/<name>; UPDATE_GOLDEN=1 rewrites them. */
import { expect } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export function expectGolden(name: string, actual: string): void {
  const file = join(import.meta.dir, "..", "fixtures", name);
  if (process.env.UPDATE_GOLDEN === "1" || !existsSync(file)) {
    if (!process.env.CI || process.env.UPDATE_GOLDEN === "1") {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, actual);
    }
  }
  expect(actual).toBe(readFileSync(file, "utf8"));
}
