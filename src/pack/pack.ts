/**
 * `luna osimage pack`: tarball → torrent → kernel and initramfs → a new version in the store.
 * Each artefact is written under a temporary name and renamed, and the version is recorded
 * only after every file is in place, so a killed pack leaves the previous version current.
 * Versions no booting node still needs are removed after a successful pack.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Arch } from "../domain/boot/arch.ts";
import { announceUrl, endpointOf } from "../domain/boot/urls.ts";
import { mustGet, requireCluster } from "../domain/common.ts";
import { AppError } from "../domain/errors.ts";
import type { OsImage, OsImageVersion } from "../domain/model.ts";
import { addImageVersion, unusedVersions } from "../domain/osimage.ts";
import type { Store } from "../domain/store.ts";
import { writeFileAtomic } from "../lib/atomic-write.ts";
import { isAlive } from "../lib/pid.ts";
import { type BootOptions, findBootSources, writeBootFiles } from "./boot-files.ts";
import { fileArch } from "./kernel-arch.ts";
import { detectNetFormat } from "./netfmt.ts";
import { type Compression, EXTENSION, estimateSize, writeTarball } from "./tarball.ts";
import { makeTorrent, pieceLengthFor } from "./torrent-file.ts";

export interface PackOptions extends BootOptions {
  store: Store;
  name: string;
  compression: Compression;
  /** torrent piece length in bytes; by default chosen from the image's size (pieceLengthFor) */
  pieceLength?: number;
  /** tarball and torrent only (the original's -i) */
  imageOnly?: boolean;
  /** kernel and initramfs only (the original's -b) */
  bootOnly?: boolean;
  progress?: (phase: string, done: number, total: number) => void;
  log?: (line: string) => void;
  now?: () => Date;
}

export interface PackResult {
  image: OsImage;
  version: OsImageVersion | undefined;
  seconds: number;
  bytesRead: number;
}

/**
 * Everything pack writes is served to the whole provisioning network and read by the daemon,
 * which runs as the luna user (luna.service) while pack runs as root: 0644 files in 0755
 * folders, whatever root's umask or the source's mode (dracut writes its initramfs 0600).
 * Files are written as `NAME.partial` (never served, see server/files.ts) and renamed.
 */
const PUBLIC_FILE = 0o644;

/** Creates `path` and missing parents 0755; an existing folder keeps the mode its owner gave it. */
function publicDir(path: string): void {
  const first = mkdirSync(path, { recursive: true });
  if (first) for (let d = path; d.length >= first.length; d = dirname(d)) chmodSync(d, 0o755);
}

export async function packImage(o: PackOptions): Promise<PackResult> {
  const started = performance.now();
  const log = o.log ?? (() => {});
  const cluster = await requireCluster(o.store);
  const image = await mustGet(o.store, "osimage", o.name);
  if (!cluster.frontend_address) {
    throw new AppError(
      "INVALID_ARGUMENT",
      "The frontend address is not set; torrents need the tracker's address",
      "luna cluster change --frontend_address IP",
    );
  }
  if (!existsSync(image.path)) throw new AppError("NOT_FOUND", `Image tree '${image.path}' does not exist`);
  const torrents = join(cluster.path, "torrents");
  const boot = join(cluster.path, "boot");
  publicDir(torrents);
  publicDir(boot);
  removeStalePartials(torrents, log);
  const sources = o.imageOnly ? undefined : findBootSources(image, o);
  const next = Math.max(0, ...image.versions.map((v) => v.version)) + 1;
  const current = image.versions.find((v) => v.version === image.current);
  let packed = current;
  let bytesRead = 0;
  if (!o.bootOnly) {
    const base = `${image.name}-${next}`;
    const tarball = `${base}${EXTENSION[o.compression]}`;
    const total = estimateSize(image.path);
    log(`packing ${image.path} (${(total / 1e6).toFixed(0)} MB) into ${join(torrents, tarball)}`);
    const pieceLength = o.pieceLength ?? pieceLengthFor(total);
    const { size, pieces } = await writeTarball(
      image.path,
      join(torrents, tarball),
      o.compression,
      pieceLength,
      (done) => o.progress?.("tar", Math.min(done, total), total),
    );
    bytesRead = total;
    log(`creating ${base}.torrent`);
    const endpoint = endpointOf(cluster);
    const { torrent, infohash } = makeTorrent({
      name: tarball,
      size,
      pieceLength,
      pieces,
      announce: announceUrl(endpoint),
      comment: `luna osimage ${image.name} version ${next}`,
    });
    const torrentPath = join(torrents, `${base}.torrent`);
    writeFileAtomic(torrentPath, torrent, { tmp: `${torrentPath}.partial`, mode: PUBLIC_FILE });
    const netfmt = detectNetFormat(image.path);
    log(`network configuration format: ${netfmt}`);
    packed = {
      version: next,
      tarball,
      torrent: `${base}.torrent`,
      infohash,
      size,
      created: (o.now?.() ?? new Date()).toISOString(),
      netfmt,
    };
  }
  let kernfile = image.kernfile;
  let initrdfile = image.initrdfile;
  if (sources) {
    kernfile = `${image.name}-vmlinuz-${image.kernver}`;
    initrdfile = `${image.name}-initramfs-${image.kernver}`;
    await writeBootFiles(image, sources, { ...o, boot, kernfile, initrdfile, log, mode: PUBLIC_FILE });
  }
  // The kernel the nodes will boot: the one just copied, or the current one (--image-only).
  const arch = kernfile ? fileArch(join(boot, kernfile)) : undefined;
  log(
    `kernel architecture: ${arch ?? "not recognised (makedhcp will not know which iPXE this image needs)"}`,
  );
  const updated = await o.store.write(async (tx) => {
    if (!packed)
      throw new AppError(
        "NOT_FOUND",
        `Osimage '${image.name}' has no packed image yet`,
        "Run 'luna osimage pack' without --boot-only first",
      );
    const files = { ...packed, kernfile, initrdfile, arch };
    return packed === current
      ? setBootFiles(tx, image.name, files)
      : addImageVersion(tx, image.name, files, packed.created);
  });
  const pruned = await pruneVersions(o.store, updated.name, torrents, log);
  return { image: pruned, version: packed, seconds: (performance.now() - started) / 1000, bytesRead };
}

async function setBootFiles(
  tx: Parameters<Parameters<Store["write"]>[0]>[0],
  name: string,
  { kernfile, initrdfile, arch }: { kernfile: string; initrdfile: string; arch?: Arch },
) {
  const image = await mustGet(tx, "osimage", name);
  // --boot-only: the current version now boots this kernel, so it carries its architecture.
  const versions = image.versions.map((v) => {
    if (v.version !== image.current) return v;
    const { arch: _before, ...rest } = v;
    return arch ? { ...rest, arch } : rest;
  });
  const next = { ...image, kernfile, initrdfile, versions };
  await tx.update("osimage", next);
  return next;
}

async function pruneVersions(
  store: Store,
  name: string,
  torrents: string,
  log: (l: string) => void,
): Promise<OsImage> {
  const { image, gone } = await store.write(async (tx) => {
    const image = await mustGet(tx, "osimage", name);
    const unused = unusedVersions(image, await tx.list("node"));
    if (unused.length === 0) return { image, gone: [] };
    const next = { ...image, versions: image.versions.filter((v) => !unused.includes(v)) };
    await tx.update("osimage", next);
    return { image: next, gone: unused };
  });
  for (const v of gone) {
    rmSync(join(torrents, v.tarball), { force: true });
    rmSync(join(torrents, v.torrent), { force: true });
    log(`removed unused version ${v.version} (${v.tarball})`);
  }
  return image;
}

/** Whether a process with this pid exists (EPERM: it exists but is not ours). */

/**
 * Removes `<tarball>.partial-<pid>` files left by packs that were killed (a tarball is
 * written under that name and renamed when complete); a pack still running keeps its own.
 */
export function removeStalePartials(torrents: string, log: (line: string) => void): void {
  for (const name of readdirSync(torrents)) {
    const m = /\.partial-(\d+)$/.exec(name);
    if (!m || isAlive(Number(m[1]))) continue;
    rmSync(join(torrents, name), { force: true });
    log(`removed ${name}, left by an interrupted pack`);
  }
}
