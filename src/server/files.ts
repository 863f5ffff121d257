/**
 * Static files for nodes: `/boot/<file>` (kernels, initramfs) and `/torrents/<file>` (packed
 * images and their torrents) from the cluster path. One path segment only, so nothing outside
 * those folders can be named (no `..`, no encoded slashes, no NUL). Range requests are served
 * (aria2c's web seed and resumed curl downloads use them).
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { text } from "./errors.ts";

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,254}$/;

export async function serveFile(
  folder: string,
  rawName: string,
  range: string | null,
  head = false,
): Promise<Response> {
  let name: string;
  try {
    name = decodeURIComponent(rawName);
  } catch {
    return text("bad file name\n", 400);
  }
  if (!SAFE_NAME.test(name) || name.includes("..")) return text("bad file name\n", 400);
  // A file being written by `osimage pack` (or left by one that was killed) is not served.
  if (/\.partial(-\d+)?$/.test(name)) return text("not found\n", 404);
  const path = join(folder, name);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return text("not found\n", 404);
  const size = info.size;
  const file = Bun.file(path);
  const headers: Record<string, string> = {
    "accept-ranges": "bytes",
    "content-type": "application/octet-stream",
    "last-modified": info.mtime.toUTCString(),
  };
  // One byte range is served; other units, several ranges or a malformed header are ignored
  // and the whole file is sent, as RFC 9110 (14.2) lets a server do. Only a range that starts
  // past the end gets 416.
  const m = range ? /^bytes=(\d*)-(\d*)$/.exec(range.trim()) : null;
  const first = m?.[1] ? Number(m[1]) : undefined;
  const last = m?.[2] ? Number(m[2]) : undefined;
  if (
    !m ||
    (first === undefined && last === undefined) ||
    (first !== undefined && last !== undefined && last < first)
  ) {
    headers["content-length"] = String(size);
    return new Response(head ? null : file, { status: 200, headers });
  }
  // bytes=-N is the last N bytes
  const start = first ?? Math.max(0, size - (last ?? 0));
  const end = first === undefined ? size - 1 : Math.min(last ?? size - 1, size - 1);
  if (start >= size) {
    return new Response(null, { status: 416, headers: { "content-range": `bytes */${size}` } });
  }
  headers["content-range"] = `bytes ${start}-${end}/${size}`;
  headers["content-length"] = String(end - start + 1);
  return new Response(head ? null : file.slice(start, end + 1), { status: 206, headers });
}
