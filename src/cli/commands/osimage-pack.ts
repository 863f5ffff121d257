/** `luna osimage pack`: drives src/pack with a progress bar on a terminal, quiet lines otherwise. */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { ArgsDef } from "citty";
import { AppError } from "../../domain/errors.ts";
import { buildInitramfs } from "../../pack/initramfs.ts";
import { packImage } from "../../pack/pack.ts";
import type { Compression } from "../../pack/tarball.ts";
import type { CliContext } from "../context.ts";
import type { Parsed } from "../verb.ts";

export const packArgs = {
  image: { type: "boolean", alias: ["i", "image-only"], description: "tarball and torrent only" },
  boot: { type: "boolean", alias: ["b", "boot-only"], description: "kernel and initramfs only" },
  compress: { type: "string", description: "zstd (default), gzip or none" },
  copy_boot: {
    type: "boolean",
    alias: ["c"],
    description: "take the initramfs from the image's /boot instead of building one",
  },
  kernfile: { type: "string", description: "kernel file to use instead of the image's" },
  initrdfile: { type: "string", description: "initramfs file to use instead of building one" },
  piece_size: {
    type: "string",
    alias: ["piece-size"],
    description:
      "torrent piece size in KiB, a power of two from 16 to 16384 (default: from the image's size, about 1,000+ pieces)",
  },
} satisfies ArgsDef;

function progressPrinter(tty: boolean) {
  const started = performance.now();
  let lastDecile = -1;
  return (phase: string, done: number, total: number) => {
    const secs = (performance.now() - started) / 1000;
    const rate = done / Math.max(secs, 0.001);
    const pct = total > 0 ? Math.min(100, (100 * done) / total) : 0;
    const eta = rate > 0 && total > done ? (total - done) / rate : 0;
    const line = `${phase} ${pct.toFixed(0).padStart(3)}% ${(done / 1e6).toFixed(0)}/${(total / 1e6).toFixed(0)} MB ${(rate / 1e6).toFixed(0)} MB/s ETA ${eta.toFixed(0)} s`;
    if (tty) {
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${line}   `);
    } else if (Math.floor(pct / 10) > lastDecile) {
      lastDecile = Math.floor(pct / 10);
      process.stderr.write(`luna: ${line}\n`);
    }
  };
}

export async function runPack(ctx: CliContext, name: string, a: Parsed<typeof packArgs>): Promise<void> {
  const compression = (a.compress ?? "zstd") as Compression;
  if (!["zstd", "gzip", "none"].includes(compression)) {
    throw new AppError("INVALID_ARGUMENT", `Unknown compression '${compression}'`, "Use zstd, gzip or none");
  }
  let pieceLength: number | undefined;
  if (a.piece_size !== undefined) {
    const kib = Number(a.piece_size);
    if (!Number.isInteger(kib) || kib < 16 || kib > 16384 || (kib & (kib - 1)) !== 0)
      throw new AppError(
        "INVALID_ARGUMENT",
        `Invalid --piece-size '${String(a.piece_size)}'`,
        "Give the piece size in KiB as a power of two from 16 to 16384, e.g. --piece-size 1024",
      );
    pieceLength = kib * 1024;
  }
  if (a.image && a.boot) throw new AppError("INVALID_ARGUMENT", "Use either --image-only or --boot-only");
  const store = await ctx.store();
  const source = (flag: string, v: unknown) => {
    if (typeof v !== "string") return undefined;
    const p = resolve(v);
    if (!existsSync(p)) throw new AppError("NOT_FOUND", `--${flag} '${v}' does not exist`);
    return p;
  };
  const tty = Boolean(process.stderr.isTTY);
  const r = await packImage({
    store,
    name,
    compression,
    pieceLength,
    imageOnly: Boolean(a.image),
    bootOnly: Boolean(a.boot),
    kernelSource: source("kernfile", a.kernfile),
    initrdSource: source("initrdfile", a.initrdfile),
    initrdFromImage: Boolean(a.copy_boot),
    buildInitramfs,
    progress: progressPrinter(tty),
    log: (line) => process.stderr.write(`${tty ? "\n" : ""}luna: ${line}\n`),
  });
  if (tty) process.stderr.write("\n");
  const mbs = r.bytesRead / 1e6 / Math.max(r.seconds, 0.001);
  const v = r.version;
  ctx.out(
    `Packed ${r.image.name}${v ? ` version ${v.version}: ${v.tarball} (${(v.size / 1e6).toFixed(1)} MB, info-hash ${v.infohash})` : ""}` +
      ` in ${r.seconds.toFixed(1)} s (${mbs.toFixed(0)} MB/s read)` +
      (r.image.kernfile ? `; boot files ${r.image.kernfile}, ${r.image.initrdfile}` : ""),
  );
}
