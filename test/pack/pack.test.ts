/**
 * `osimage pack` on a generated tree: the tarball restores owners, modes, a file capability,
 * an xattr, a symlink and a hard link exactly (extracted with the install script's own tar
 * options); /proc-style contents are left out; the torrent describes the tarball; a re-pack
 * makes a new version and drops the unused old one.
 */
import { expect, test } from "bun:test";
import {
  chownSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import parseTorrent from "parse-torrent";
import { initCluster } from "../../src/domain/cluster.ts";
import { addOsImage } from "../../src/domain/osimage.ts";
import { packImage } from "../../src/pack/pack.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";

const sh = (cmd: string) => {
  const r = Bun.spawnSync(["bash", "-c", cmd]);
  if (r.exitCode !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  return r.stdout.toString();
};

/**
 * A temp folder with an image tree (`tree`, holding boot/ and, unless `kernel` is empty, a
 * kernel file), the cluster path (`opt`) and a SQLite store; `fill` writes the tree before the
 * cluster and the osimage are added. `await using` removes it all.
 */
async function packSetup(o: { frontend?: boolean; kernel?: string; fill?: (tree: string) => void } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "luna-pack-"));
  const store = openSqliteStore(join(dir, "luna.db"));
  const tree = join(dir, "tree");
  const opt = join(dir, "opt");
  const kernel = o.kernel ?? "6.1.0-p";
  mkdirSync(join(tree, "boot"), { recursive: true });
  if (kernel) writeFileSync(join(tree, "boot", `vmlinuz-${kernel}`), "kernel");
  o.fill?.(tree);
  await store.write(async (tx) => {
    await initCluster(
      tx,
      { ...(o.frontend === false ? {} : { frontend_address: "10.30.255.254" }), path: opt },
      false,
    );
    await addOsImage(tx, { name: "compute", path: tree, kernels: [kernel || "6.1"] });
  });
  return {
    dir,
    tree,
    opt,
    store,
    async [Symbol.asyncDispose]() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** SHA-1 of each piece of a file's bytes, as a torrent lists them. */
const pieceHashes = (bytes: Uint8Array, pieceLength: number) => {
  const out: string[] = [];
  for (let off = 0; off < bytes.length; off += pieceLength)
    out.push(new Bun.CryptoHasher("sha1").update(bytes.subarray(off, off + pieceLength)).digest("hex"));
  return out;
};

test("pack restores owners, modes, capabilities, xattrs and links exactly", async () => {
  await using fx = await packSetup({
    fill: (tree) => {
      for (const d of ["usr/bin", "etc", "proc/1", "tmp", "home/alice"])
        mkdirSync(join(tree, d), { recursive: true });
      writeFileSync(join(tree, "usr/bin/ping"), "#!/bin/sh\n", { mode: 0o755 });
      sh(`setcap cap_net_raw+ep '${join(tree, "usr/bin/ping")}'`);
      writeFileSync(join(tree, "etc/shadow"), "root:*:1::::::\n", { mode: 0o600 });
      writeFileSync(join(tree, "home/alice/notes"), "mine\n", { mode: 0o640 });
      chownSync(join(tree, "home/alice/notes"), 1234, 5678);
      chownSync(join(tree, "home/alice"), 1234, 5678);
      sh(`setfattr -n user.luna -v tagged '${join(tree, "etc/shadow")}'`);
      symlinkSync("../usr/bin/ping", join(tree, "etc/ping-link"));
      linkSync(join(tree, "home/alice/notes"), join(tree, "home/alice/notes-hardlink"));
      writeFileSync(join(tree, "proc/1/status"), "must not be packed");
      writeFileSync(join(tree, "tmp/scratch"), "must not be packed");
      writeFileSync(join(tree, "etc/big"), Buffer.alloc(3_000_000, 7));
    },
  });
  const { dir, tree, opt: path, store } = fx;
  const first = await packImage({ store, name: "compute", compression: "zstd", imageOnly: true });
  expect(first.version?.version).toBe(1);
  const tarball = join(path, "torrents", first.version?.tarball as string);

  const out = join(dir, "restored");
  mkdirSync(out);
  sh(`zstd -dc '${tarball}' | tar --numeric-owner --xattrs --xattrs-include='*' --acls -xpf - -C '${out}'`);
  const notes = statSync(join(out, "home/alice/notes"));
  expect([notes.uid, notes.gid, notes.mode & 0o777]).toEqual([1234, 5678, 0o640]);
  expect(statSync(join(out, "etc/shadow")).mode & 0o777).toBe(0o600);
  expect(statSync(join(out, "usr/bin/ping")).mode & 0o777).toBe(0o755);
  expect(sh(`getcap '${join(out, "usr/bin/ping")}'`)).toContain("cap_net_raw=ep");
  expect(sh(`getfattr --only-values -n user.luna '${join(out, "etc/shadow")}'`)).toBe("tagged");
  expect(lstatSync(join(out, "etc/ping-link")).isSymbolicLink()).toBe(true);
  expect(readlinkSync(join(out, "etc/ping-link"))).toBe("../usr/bin/ping");
  expect(statSync(join(out, "home/alice/notes-hardlink")).ino).toBe(notes.ino);
  expect(notes.nlink).toBe(2);
  expect(lstatSync(join(out, "proc")).isDirectory()).toBe(true);
  expect(() => statSync(join(out, "proc/1/status"))).toThrow();
  expect(() => statSync(join(out, "tmp/scratch"))).toThrow();

  const torrent = await parseTorrent(
    await Bun.file(join(path, "torrents", first.version?.torrent as string)).bytes(),
  );
  expect(torrent.infoHash).toBe(first.version?.infohash as string);
  expect(torrent.length).toBe(statSync(tarball).size);
  expect(torrent.pieceLength).toBe(64 * 1024); // a small image: the smallest piece length
  // pieces are hashed from the stream as it is written: they must match the file on disk
  expect(torrent.pieces).toEqual(pieceHashes(await Bun.file(tarball).bytes(), torrent.pieceLength));
  // no web seed in the torrent: the install script adds it only when the swarm stalls
  expect(torrent.urlList).toEqual([]);
  expect(torrent.announce).toEqual(["http://10.30.255.254:7050/announce"]);
  expect((torrent as unknown as { private: boolean }).private).toBe(true);

  writeFileSync(join(tree, "etc/changed"), "v2");
  const second = await packImage({ store, name: "compute", compression: "gzip", imageOnly: true });
  expect(second.version?.version).toBe(2);
  expect(second.version?.tarball).toBe("compute-2.tar.gz");
  expect(second.image.versions.map((v) => v.version)).toEqual([2]);
  expect(() => statSync(tarball)).toThrow();
});

test("pack refuses without a frontend address and leaves no files or versions", async () => {
  await using fx = await packSetup({ frontend: false, kernel: "" });
  const before = await fx.store.dump();
  await expect(packImage({ store: fx.store, name: "compute", compression: "zstd" })).rejects.toThrow(
    /frontend address is not set/,
  );
  expect(await fx.store.dump()).toBe(before);
  const files = existsSync(fx.opt)
    ? readdirSync(fx.opt, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
    : [];
  expect(files).toEqual([]);
});

test("pack of an image without dracut says so and how to supply an initramfs", async () => {
  await using fx = await packSetup({ kernel: "6.1" });
  const before = await fx.store.dump();
  const { buildInitramfs } = await import("../../src/pack/initramfs.ts");
  const err = await packImage({
    store: fx.store,
    name: "compute",
    compression: "zstd",
    bootOnly: true,
    buildInitramfs,
  }).catch((e) => e);
  expect(String(err.message)).toContain("has no dracut");
  expect(String(err.hint)).toContain("--initrdfile");
  expect(await fx.store.dump()).toBe(before);
});

test("pack reports progress in bytes read as tar goes, not all at once", async () => {
  await using fx = await packSetup({
    fill: (tree) => {
      for (let i = 0; i < 8; i++) writeFileSync(join(tree, `f${i}`), Buffer.alloc(1_000_000, i));
    },
  });
  const store = fx.store;
  const seen: { done: number; total: number }[] = [];
  await packImage({
    store,
    name: "compute",
    compression: "zstd",
    imageOnly: true,
    progress: (_, done, total) => seen.push({ done, total }),
  });
  const total = seen[0]?.total ?? 0;
  expect(total).toBeGreaterThan(8_000_000);
  // one report per ~1 MB read: about 8 of them, rising, the first well before the end
  expect(seen.length).toBeGreaterThanOrEqual(6);
  expect(seen[0]?.done).toBeLessThan(total / 4);
  expect(seen.every((s, i) => i === 0 || s.done >= (seen[i - 1]?.done ?? 0))).toBe(true);
  expect(seen.at(-1)?.done).toBeGreaterThan(total * 0.8);
});

test("a tarball of several pieces is hashed piece by piece as written, the short last one included", async () => {
  await using fx = await packSetup({
    fill: (tree) => {
      const noise = new Uint8Array(3_500_000);
      for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919 + (i >> 9)) & 255;
      writeFileSync(join(tree, "data"), noise);
    },
  });
  const { dir, store } = fx;
  const packed = await packImage({ store, name: "compute", compression: "none", imageOnly: true });
  const bytes = await Bun.file(join(dir, "opt", "torrents", packed.version?.tarball as string)).bytes();
  const torrent = await parseTorrent(
    await Bun.file(join(dir, "opt", "torrents", packed.version?.torrent as string)).bytes(),
  );
  expect(torrent.length).toBe(bytes.length);
  expect(bytes.length % torrent.pieceLength).toBeGreaterThan(0);
  const fromDisk = pieceHashes(bytes, torrent.pieceLength);
  expect(fromDisk.length).toBe(Math.ceil(bytes.length / (64 * 1024))); // 54 pieces of 64 KiB
  expect(torrent.pieces).toEqual(fromDisk);
});

test("a pack removes tarballs left half-written by a killed pack, not one still being written", async () => {
  await using fx = await packSetup();
  const torrents = join(fx.opt, "torrents");
  mkdirSync(torrents, { recursive: true });
  const gone = Bun.spawn(["true"]);
  await gone.exited; // a pid that no longer runs
  writeFileSync(join(torrents, `compute-7.tar.zst.partial-${gone.pid}`), "left by a killed pack");
  writeFileSync(join(torrents, `other-3.tar.zst.partial-${process.pid}`), "being written");
  const lines: string[] = [];
  await packImage({
    store: fx.store,
    name: "compute",
    compression: "none",
    imageOnly: true,
    log: (l) => lines.push(l),
  });
  expect(existsSync(join(torrents, `compute-7.tar.zst.partial-${gone.pid}`))).toBe(false);
  expect(existsSync(join(torrents, `other-3.tar.zst.partial-${process.pid}`))).toBe(true);
  expect(lines).toContain(`removed compute-7.tar.zst.partial-${gone.pid}, left by an interrupted pack`);
});

test("a pack records the image's network format on the version; a re-pack finds it again", async () => {
  await using fx = await packSetup({
    fill: (tree) => {
      mkdirSync(join(tree, "etc", "systemd", "system", "multi-user.target.wants"), { recursive: true });
      // As `systemctl enable` writes it: absolute, so it resolves only in the booted image.
      symlinkSync(
        "/lib/systemd/system/systemd-networkd.service",
        join(tree, "etc", "systemd", "system", "multi-user.target.wants", "systemd-networkd.service"),
      );
      writeFileSync(join(tree, "etc", "os-release"), "ID=debian\n");
    },
  });
  const lines: string[] = [];
  const first = await packImage({
    store: fx.store,
    name: "compute",
    compression: "none",
    imageOnly: true,
    log: (l) => lines.push(l),
  });
  expect(first.version?.netfmt).toBe("networkd");
  expect(lines).toContain("network configuration format: networkd");
  mkdirSync(join(fx.tree, "etc", "NetworkManager"));
  await packImage({ store: fx.store, name: "compute", compression: "none", imageOnly: true });
  const image = await fx.store.byName("osimage", "compute");
  expect(image?.versions.find((v) => v.version === image.current)?.netfmt).toBe("nm");
});
