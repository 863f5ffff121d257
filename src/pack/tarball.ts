/**
 * Streams an image tree into a compressed tarball with the real tools: GNU tar (one file
 * system, numeric owners, xattrs incl. file capabilities, ACLs; contents of /proc /sys /dev
 * /tmp /run left out) piped into zstd -T0 (or gzip, or nothing). Nothing passes through JS.
 * The file is written under a temporary name, fsync'ed and renamed, so a crash never leaves a
 * half tarball under the final name. Progress comes from tar's checkpoints.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync } from "node:fs";
import { AppError } from "../domain/errors.ts";

export type Compression = "zstd" | "gzip" | "none";
export const EXTENSION: Record<Compression, string> = { zstd: ".tar.zst", gzip: ".tar.gz", none: ".tar" };

const RECORD = 10240;
const CHECKPOINT = 100; // records per checkpoint: one progress line per ~1 MB read

const COMPRESSOR: Record<Compression, string> = {
  zstd: 'zstd -T0 -3 -q -c > "$2"',
  gzip: 'gzip -1 -c > "$2"',
  none: 'cat > "$2"',
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

export async function writeTarball(
  root: string,
  out: string,
  compression: Compression,
  onProgress: (bytesRead: number) => void,
): Promise<{ size: number }> {
  const tmp = `${out}.partial-${process.pid}`;
  const script = `set -o pipefail
tar -C "$1" --one-file-system --numeric-owner --xattrs --xattrs-include='*' --acls \\
  --exclude=./proc/* --exclude=./sys/* --exclude=./dev/* --exclude=./tmp/* --exclude=./run/* \\
  --checkpoint=${CHECKPOINT} --checkpoint-action=echo=luna-checkpoint:%u -cf - . | ${COMPRESSOR[compression]}`;
  const proc = Bun.spawn(["bash", "-c", script, "luna-pack", root, tmp], {
    stdout: "ignore",
    stderr: "pipe",
  });
  const errors: string[] = [];
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of proc.stderr) {
    buffer += decoder.decode(chunk, { stream: true });
    const lines = buffer.split("\n");
    buffer = lines.pop() ?? "";
    for (const line of lines) {
      const m = /luna-checkpoint:(\d+)/.exec(line);
      if (m) onProgress(Number(m[1]) * CHECKPOINT * RECORD);
      else if (line.trim() && !/socket ignored|file changed as we read/.test(line)) errors.push(line.trim());
    }
  }
  const code = await proc.exited;
  if (code !== 0) {
    rmSync(tmp, { force: true });
    throw new AppError(
      "EXTERNAL_COMMAND",
      `Packing '${root}' failed (exit ${code}): ${errors.slice(-3).join("; ") || "no message"}`,
      "Check that tar and zstd are installed and the image tree is readable",
    );
  }
  const fd = openSync(tmp, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, out);
  return { size: statSync(out).size };
}
