/**
 * Static files for nodes: `/boot/<file>` (kernels, initramfs) and `/torrents/<file>` (packed
 * images and their torrents) from the cluster path. One path segment only, so nothing outside
 * those folders can be named (no `..`, no encoded slashes, no NUL); what the name opens is
 * checked too (file-opener.ts), so no link leads out either. Range requests are served
 * (aria2c's web seed and resumed curl downloads use them). HEAD gets the status and headers
 * GET gets, without the body (RFC 9110, 9.3.2).
 */

import type { Logger } from "../lib/logger.ts";
import { text } from "./errors.ts";
import type { FileOpener } from "./file-opener.ts";

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,254}$/;

export interface FileRequest {
  folder: string;
  /** the last path segment as sent, still percent-encoded */
  rawName: string;
  range: string | null;
  head: boolean;
}

export async function serveFile(
  req: FileRequest,
  ctx: { files: FileOpener; log: Pick<Logger, "warn"> },
): Promise<Response> {
  let name: string;
  try {
    name = decodeURIComponent(req.rawName);
  } catch {
    return text("bad file name\n", 400);
  }
  if (!SAFE_NAME.test(name) || name.includes("..")) return text("bad file name\n", 400);
  // A file being written by `osimage pack` (or left by one that was killed) is not served.
  if (/\.partial(-\d+)?$/.test(name)) return text("not found\n", 404);
  const opened = await ctx.files.open(req.folder, name);
  if (opened.kind === "outside") {
    ctx.log.warn("refused a file that leads out of its folder", {
      folder: req.folder,
      name,
      target: opened.real,
    });
  }
  if (opened.kind !== "file") return text("not found\n", 404);
  const { size } = opened;
  const body = (from: number, to: number) => {
    if (req.head) return null;
    const file = Bun.file(opened.path);
    return from === 0 && to === size ? file : file.slice(from, to);
  };
  const headers: Record<string, string> = {
    "accept-ranges": "bytes",
    "content-type": "application/octet-stream",
    // set here, as Bun would derive it from the body's path (/proc/self/fd/N)
    "content-disposition": `filename="${name}"`,
    "last-modified": opened.mtime.toUTCString(),
  };
  // One byte range is served; other units, several ranges or a malformed header are ignored
  // and the whole file is sent, as RFC 9110 (14.2) lets a server do. Only a range that starts
  // past the end gets 416.
  const m = req.range ? /^bytes=(\d*)-(\d*)$/.exec(req.range.trim()) : null;
  const first = m?.[1] ? Number(m[1]) : undefined;
  const last = m?.[2] ? Number(m[2]) : undefined;
  if (
    !m ||
    (first === undefined && last === undefined) ||
    (first !== undefined && last !== undefined && last < first)
  ) {
    headers["content-length"] = String(size);
    return new Response(body(0, size), { status: 200, headers });
  }
  // bytes=-N is the last N bytes
  const start = first ?? Math.max(0, size - (last ?? 0));
  const end = first === undefined ? size - 1 : Math.min(last ?? size - 1, size - 1);
  if (start >= size) {
    return new Response(null, { status: 416, headers: { "content-range": `bytes */${size}` } });
  }
  headers["content-range"] = `bytes ${start}-${end}/${size}`;
  headers["content-length"] = String(end - start + 1);
  return new Response(body(start, end + 1), { status: 206, headers });
}
