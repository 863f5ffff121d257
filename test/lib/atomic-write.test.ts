/**
 * src/lib/atomic-write.ts: the new file appears whole under its name with its exact mode
 * (whatever the umask), an old file keeps its mode when asked, a stale temp file is replaced,
 * and a failed write leaves the old file and no temp file behind.
 */
import { expect, test } from "bun:test";
import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { commitFile, writeFileAtomic } from "../../src/lib/atomic-write.ts";
import { tempDir } from "../helpers/node-shell.ts";

const mode = (p: string) => statSync(p).mode & 0o7777;

test("writeFileAtomic gives the exact mode under umask 077 and leaves no temp file", () => {
  using dir = tempDir("luna-atomic-");
  const path = join(dir.path, "sub", "dhcpd.conf");
  const umask = process.umask(0o077);
  try {
    writeFileAtomic(path, "a\n", { mode: 0o644, durable: true });
  } finally {
    process.umask(umask);
  }
  expect(readFileSync(path, "utf8")).toBe("a\n");
  expect(mode(path)).toBe(0o644);
  expect(readdirSync(join(dir.path, "sub"))).toEqual(["dhcpd.conf"]);
});

test("keepOld keeps the mode of the file it replaces; mode is for a new file", () => {
  using dir = tempDir("luna-atomic-");
  const path = join(dir.path, "zone");
  writeFileSync(path, "old\n");
  chmodSync(path, 0o640);
  writeFileAtomic(path, "new\n", { mode: 0o644, keepOld: true });
  expect(readFileSync(path, "utf8")).toBe("new\n");
  expect(mode(path)).toBe(0o640);
});

test("a stale temp file is replaced, and a link planted at the temp name is not followed", () => {
  using dir = tempDir("luna-atomic-");
  const path = join(dir.path, "x.torrent");
  const victim = join(dir.path, "victim");
  writeFileSync(victim, "keep\n");
  symlinkSync(victim, `${path}.partial`);
  writeFileAtomic(path, new Uint8Array([1, 2, 3]), { tmp: `${path}.partial`, mode: 0o644 });
  expect([...readFileSync(path)]).toEqual([1, 2, 3]);
  expect(readFileSync(victim, "utf8")).toBe("keep\n");
  expect(readdirSync(dir.path).sort()).toEqual(["victim", "x.torrent"]);
});

test("a failed write leaves what was there and no temp file", () => {
  using dir = tempDir("luna-atomic-");
  // A folder in the way: the temp file is written, the rename over the folder fails.
  const path = join(dir.path, "conf");
  mkdirSync(path);
  writeFileSync(join(path, "inside"), "old\n");
  expect(() => writeFileAtomic(path, "x", { durable: true })).toThrow();
  expect(readdirSync(dir.path)).toEqual(["conf"]);
  expect(readFileSync(join(path, "inside"), "utf8")).toBe("old\n");
});

test("commitFile moves a finished file over the old one with its mode", () => {
  using dir = tempDir("luna-atomic-");
  const path = join(dir.path, "vmlinuz");
  writeFileSync(path, "old");
  writeFileSync(`${path}.partial`, "new", { mode: 0o600 });
  commitFile(`${path}.partial`, path, { mode: 0o644, durable: true });
  expect(readFileSync(path, "utf8")).toBe("new");
  expect(mode(path)).toBe(0o644);
  expect(readdirSync(dir.path)).toEqual(["vmlinuz"]);
});
