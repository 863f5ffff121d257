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
  if (!range) {
    headers["content-length"] = String(size);
    return new Response(head ? null : file, { status: 200, headers });
  }
  const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  let start = m?.[1] ? Number(m[1]) : undefined;
  let end = m?.[2] ? Number(m[2]) : undefined;
  if (m && start === undefined && end !== undefined) {
    start = Math.max(0, size - end);
    end = size - 1;
  }
  start ??= 0;
  end = Math.min(end ?? size - 1, size - 1);
  if (!m || start > end || start >= size) {
    return new Response(null, { status: 416, headers: { "content-range": `bytes */${size}` } });
  }
  headers["content-range"] = `bytes ${start}-${end}/${size}`;
  headers["content-length"] = String(end - start + 1);
  return new Response(head ? null : file.slice(start, end + 1), { status: 206, headers });
}
