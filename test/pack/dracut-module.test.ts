/**
 * writeDracutModule puts the embedded 95luna module into an image tree, byte for byte the
 * files of node/dracut/95luna, with their modes, replacing an older copy whole.
 */
import { expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DRACUT_MODULE_FILES, writeDracutModule } from "../../src/pack/dracut-module.ts";

const SOURCE = join(import.meta.dir, "../../node/dracut/95luna");

function imageRoot() {
  const path = mkdtempSync(join(tmpdir(), "luna-image-"));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

test("DRACUT_MODULE_FILES embeds every file of node/dracut/95luna, unchanged", () => {
  expect(Object.keys(DRACUT_MODULE_FILES).sort()).toEqual(
    readdirSync(SOURCE)
      .map((f) => `95luna/${f}`)
      .sort(),
  );
  for (const [rel, { text }] of Object.entries(DRACUT_MODULE_FILES)) {
    expect(text).toBe(readFileSync(join(SOURCE, rel.slice("95luna/".length)), "utf8"));
  }
});

test("writeDracutModule writes the module under usr/lib/dracut/modules.d with its modes", () => {
  using root = imageRoot();
  const old = process.umask(0o077); // a strict umask must not strip the executable bits
  let written: string[];
  try {
    written = writeDracutModule(root.path);
  } finally {
    process.umask(old);
  }
  const dir = join(root.path, "usr/lib/dracut/modules.d/95luna");
  expect(written.sort()).toEqual(
    Object.keys(DRACUT_MODULE_FILES)
      .map((rel) => join(dir, rel.slice(7)))
      .sort(),
  );
  for (const [rel, { text, mode }] of Object.entries(DRACUT_MODULE_FILES)) {
    const path = join(dir, rel.slice(7));
    expect(readFileSync(path, "utf8")).toBe(text);
    expect((statSync(path).mode & 0o777).toString(8)).toBe(mode.toString(8));
  }
  expect(DRACUT_MODULE_FILES["95luna/module-setup.sh"]?.mode).toBe(0o755);
  expect(DRACUT_MODULE_FILES["95luna/luna-loader.sh"]?.mode).toBe(0o755);
  expect(DRACUT_MODULE_FILES["95luna/luna-lib.sh"]?.mode).toBe(0o644);
});

test("writeDracutModule replaces an older copy whole and leaves other modules alone", () => {
  using root = imageRoot();
  const modules = join(root.path, "usr/lib/dracut/modules.d");
  mkdirSync(join(modules, "95luna"), { recursive: true });
  mkdirSync(join(modules, "99base"));
  writeFileSync(join(modules, "95luna/luna-start.sh"), "# from luna 1.2\n");
  writeFileSync(join(modules, "95luna/module-setup.sh"), "# old\n");
  writeFileSync(join(modules, "99base/module-setup.sh"), "# base\n");
  writeDracutModule(root.path);
  expect(existsSync(join(modules, "95luna/luna-start.sh"))).toBe(false);
  expect(readFileSync(join(modules, "95luna/module-setup.sh"), "utf8")).toBe(
    DRACUT_MODULE_FILES["95luna/module-setup.sh"]?.text ?? "missing",
  );
  expect(readFileSync(join(modules, "99base/module-setup.sh"), "utf8")).toBe("# base\n");
});
