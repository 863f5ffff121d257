/**
 * The 95luna dracut module, embedded in the binary as text and written into an image before
 * dracut runs there (so the head node needs nothing but `luna`).
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import lib from "../../dracut/modules.d/95luna/luna-lib.sh" with { type: "text" };
import loader from "../../dracut/modules.d/95luna/luna-loader.sh" with { type: "text" };
import parse from "../../dracut/modules.d/95luna/luna-parse-cmdline.sh" with { type: "text" };
import setup from "../../dracut/modules.d/95luna/module-setup.sh" with { type: "text" };

export const DRACUT_MODULE_FILES: Record<string, { text: string; mode: number }> = {
  "95luna/module-setup.sh": { text: setup, mode: 0o755 },
  "95luna/luna-lib.sh": { text: lib, mode: 0o755 },
  "95luna/luna-parse-cmdline.sh": { text: parse, mode: 0o755 },
  "95luna/luna-loader.sh": { text: loader, mode: 0o755 },
};

/** Writes the module under `<root>/usr/lib/dracut/modules.d/` (or a given modules.d folder). */
export function writeDracutModule(modulesDir: string): string[] {
  const written: string[] = [];
  for (const [rel, { text, mode }] of Object.entries(DRACUT_MODULE_FILES)) {
    const path = join(modulesDir, rel);
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, text);
    chmodSync(path, mode);
    written.push(path);
  }
  return written;
}
