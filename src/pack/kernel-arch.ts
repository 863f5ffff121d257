/**
 * Reads the architecture of a kernel or EFI file on disk (domain/boot/arch.ts does the
 * parsing). Debian and Ubuntu ship the arm64 kernel as a gzip-compressed `Image` (arm64 does
 * not decompress itself), so a gzip file is inflated far enough to see the Image header.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { constants, gunzipSync } from "node:zlib";
import { ARCH_HEADER_BYTES, type Arch, binaryArch } from "../domain/boot/arch.ts";

/** Enough compressed input for the first ARCH_HEADER_BYTES of output, with a wide margin. */
const READ_BYTES = 64 * 1024;

function head(path: string): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const buf = new Uint8Array(READ_BYTES);
    return buf.subarray(0, readSync(fd, buf, 0, READ_BYTES, 0));
  } finally {
    closeSync(fd);
  }
}

/** The file's architecture; undefined when it is none luna knows or cannot be read. */
export function fileArch(path: string): Arch | undefined {
  let bytes: Uint8Array;
  try {
    bytes = head(path);
  } catch {
    return undefined;
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      // Only the start of the stream is here: a sync flush gives what it inflates to, no error.
      bytes = gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, ARCH_HEADER_BYTES);
    } catch {
      return undefined;
    }
  }
  return binaryArch(bytes);
}
