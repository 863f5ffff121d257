/**
 * Streams an image tree into a compressed tarball with the real tools: GNU tar (one file
 * system, numeric owners, xattrs incl. file capabilities, ACLs; contents of /proc /sys /dev
 * /tmp /run left out) piped into zstd -T0 (or gzip, or nothing), which writes the file itself.
 * The torrent's pieces are hashed while it is written: on every tar checkpoint (about 1 MB
 * read) the pieces that have reached the file are read back from the page cache and hashed, and
 * write-back to disk is started beside compression, so neither a second pass over the tarball
 * nor a long final fsync is left at the end. (Passing the stream through this process instead
 * was measured slower: Bun's pipe reads come in ~80 KB chunks.) The file is written under a
 * temporary name, fsync'ed and renamed, so a crash never leaves a half tarball under the final
 * name. Progress comes from tar's checkpoints.
 */
import {
  closeSync,
  fchmodSync,
  fdatasync,
  fstatSync,
  fsyncSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
} from "node:fs";
import { AppError } from "../domain/errors.ts";

export type Compression = "zstd" | "gzip" | "none";
export const EXTENSION: Record<Compression, string> = { zstd: ".tar.zst", gzip: ".tar.gz", none: ".tar" };

const RECORD = 10240;
const CHECKPOINT = 100; // records per checkpoint: one progress line per ~1 MB read
/** start write-back of what has been written every this many bytes */
const FLUSH_EVERY = 64 * 1024 * 1024;

const COMPRESSOR: Record<Compression, string> = {
  zstd: '| zstd -T0 -3 -q -c > "$2"',
  gzip: '| gzip -1 -c > "$2"',
  none: '> "$2"',
};

/** Bytes tar will read, as `du` counts them (excluded folders' contents left out). */
export function estimateSize(root: string): number {
  const du = Bun.spawnSync(
    [
      "du",
      "-sxb",
      "--exclude=./proc/*",
      "--exclude=./sys/*",
      "--exclude=./dev/*",
      "--exclude=./tmp/*",
      "--exclude=./run/*",
      ".",
    ],
    { cwd: root },
  );
  return Number(du.stdout.toString().split(/\s/)[0]) || 0;
}

export interface Tarball {
  size: number;
  /** SHA-1 of every piece of `pieceLength` bytes, concatenated (the torrent's `pieces`) */
  pieces: Uint8Array;
}

export async function writeTarball(
  root: string,
  out: string,
  compression: Compression,
  pieceLength: number,
  onProgress: (bytesRead: number) => void,
): Promise<Tarball> {
  const tmp = `${out}.partial-${process.pid}`;
  const script = `set -o pipefail
tar -C "$1" --one-file-system --numeric-owner --xattrs --xattrs-include='*' --acls \\
  --exclude=./proc/* --exclude=./sys/* --exclude=./dev/* --exclude=./tmp/* --exclude=./run/* \\
  --checkpoint=${CHECKPOINT} --checkpoint-action=echo=luna-checkpoint:%u -cf - . ${COMPRESSOR[compression]}`;
  // Created here so it exists before the shell opens it (with O_TRUNC, the same inode).
  const fd = openSync(tmp, "w+", 0o644);
  fchmodSync(fd, 0o644); // not less under root's umask: the daemon's luna user serves it

  const follower = followPieces(fd, pieceLength);
  const proc = Bun.spawn(["bash", "-c", script, "luna-pack", root, tmp], {
    stdout: "ignore",
    stderr: "pipe",
  });
  try {
    const errors = await readErrors(proc.stderr, (bytesRead) => {
      onProgress(bytesRead);
      follower.catchUp(false);
    });
    const code = await proc.exited;
    if (code !== 0) {
      throw new AppError(
        "EXTERNAL_COMMAND",
        `Packing '${root}' failed (exit ${code}): ${errors.slice(-3).join("; ") || "no message"}`,
        "Check that tar and zstd are installed and the image tree is readable",
      );
    }
    const tarball = await follower.finish();
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, out);
    return tarball;
  } catch (e) {
    proc.kill();
    await follower.settle().catch(() => undefined);
    try {
      closeSync(fd);
    } catch {}
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** tar's checkpoints become progress; anything else it says (bar harmless notes) is an error. */
async function readErrors(stderr: ReadableStream<Uint8Array>, onCheckpoint: (bytesRead: number) => void) {
  const errors: string[] = [];
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of stderr) {
    buffer += decoder.decode(chunk, { stream: true });
    const lines = buffer.split("\n");
    buffer = lines.pop() ?? "";
    for (const line of lines) {
      const m = /luna-checkpoint:(\d+)/.exec(line);
      // tar's %u is the number of records written so far, not of checkpoints
      if (m) onCheckpoint(Number(m[1]) * RECORD);
      else if (line.trim() && !/socket ignored|file changed as we read/.test(line)) errors.push(line.trim());
    }
  }
  return errors;
}

/**
 * Hashes the pieces of a file another process is appending to: everything below the file's
 * current size has been written, so each complete piece there can be read and hashed. Every
 * FLUSH_EVERY bytes an fdatasync runs on the thread pool, so the disk works during compression.
 */
function followPieces(fd: number, pieceLength: number) {
  const digests: Uint8Array[] = [];
  const buf = new Uint8Array(pieceLength);
  let hashed = 0;
  let flushedAt = 0;
  let flushing: Promise<void> | null = null;
  let flushError: NodeJS.ErrnoException | null = null;
  const catchUp = (final: boolean) => {
    const size = fstatSync(fd).size;
    while (size - hashed >= pieceLength || (final && size > hashed)) {
      const want = Math.min(pieceLength, size - hashed);
      let got = 0;
      while (got < want) {
        const n = readSync(fd, buf, got, want - got, hashed + got);
        if (n === 0) throw new Error(`the tarball shrank while it was hashed (at ${hashed + got} bytes)`);
        got += n;
      }
      digests.push(new Bun.CryptoHasher("sha1").update(buf.subarray(0, want)).digest());
      hashed += want;
    }
    if (!final && !flushing && hashed - flushedAt >= FLUSH_EVERY) {
      flushedAt = hashed;
      flushing = new Promise<void>((resolve) =>
        fdatasync(fd, (e) => {
          flushError ??= e;
          flushing = null;
          resolve();
        }),
      );
    }
  };
  /** waits for the write-back running beside compression */
  const settle = async () => {
    await flushing;
    if (flushError) throw flushError;
  };
  return {
    catchUp,
    settle,
    /** after the compressor has exited: the last pieces, the short one included */
    async finish(): Promise<Tarball> {
      await settle();
      catchUp(true);
      return { size: hashed, pieces: Buffer.concat(digests) };
    },
  };
}
