/**
 * Piece length (issue 12): `osimage pack --piece-size KiB` overrides the packer's rule (tested
 * in test/pack/piece-size.test.ts) through the compiled binary, and a bad value is refused with
 * the fix and no version made.
 */
import { expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import bencode from "bencode";
import { sandbox } from "../helpers/luna.ts";

test("osimage pack --piece-size sets the torrent's piece length; bad values change nothing", async () => {
  await using box = await sandbox();
  const image = box.imageTree("6.1.0-13-amd64");
  writeFileSync(join(image, "data"), new Uint8Array(3 * 1024 * 1024));
  writeFileSync(join(box.dir, "initrd.img"), "INITRD");
  for (const args of [
    ["cluster", "init", "--path", join(box.dir, "opt"), "--frontend_address", "10.30.255.254"],
    ["osimage", "add", "-n", "compute", "-p", image],
  ])
    expect((await box.luna(args)).code).toBe(0);
  const before = box.dump();
  for (const bad of ["100", "8", "32768", "abc", "-64"]) {
    const r = await box.luna(["osimage", "pack", "-n", "compute", "--piece-size", bad]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`Invalid --piece-size '${bad}'`);
    expect(r.stderr).toContain("power of two from 16 to 16384");
  }
  expect(box.dump()).toBe(before);
  const ok = await box.luna([
    "osimage",
    "pack",
    "-n",
    "compute",
    "--piece-size",
    "256",
    "--initrdfile",
    join(box.dir, "initrd.img"),
  ]);
  expect(ok.code, ok.stderr).toBe(0);
  const meta = bencode.decode(readFileSync(join(box.dir, "opt", "torrents", "compute-1.torrent"))) as {
    info: { "piece length": number };
    "url-list"?: unknown;
  };
  expect(meta.info["piece length"]).toBe(256 * 1024);
  // no web seed in the torrent: the install script adds it only when the swarm stalls
  expect(meta["url-list"]).toBeUndefined();
});
