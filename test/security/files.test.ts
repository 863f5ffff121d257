/**
 * Issue 13, items 6 and 10: `/boot` and `/torrents` serve only regular files inside their
 * folder, whatever links are placed there, and HEAD answers the headers GET answers. Driven
 * through the real server on port 0 with raw HTTP, so neither the client nor Elysia's
 * request helpers normalise the path or the headers.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import {
  mkdirSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { createApp } from "../../src/server/app.ts";
import { createFileOpener } from "../../src/server/file-opener.ts";
import { type TestCluster, testCluster } from "../helpers/cluster.ts";
import { type RawResponse, rawRequest } from "../helpers/raw-http.ts";

const KERNEL = "compute-vmlinuz-6.1.0-test";
const KERNEL_BYTES = "KERNEL-BYTES-0123456789";
const warnings: { msg: string; fields?: Record<string, unknown> }[] = [];
const log = {
  info() {},
  error() {},
  warn: (msg: string, fields?: Record<string, unknown>) => void warnings.push({ msg, fields }),
};

let fx: TestCluster;
let port = 0;
let stop = async () => {};
let boot = "";
let torrents = "";

beforeAll(async () => {
  fx = await testCluster({ nodes: 2, packed: true });
  boot = join(fx.path, "boot");
  torrents = join(fx.path, "torrents");
  const app = createApp({ store: fx.store, log, now: () => new Date(), secureInstall: false });
  const server = app.listen({ hostname: "127.0.0.1", port: 0 });
  port = server.server?.port ?? 0;
  stop = async () => void (await server.stop());
});
afterAll(async () => {
  await stop();
  await fx[Symbol.asyncDispose]();
});

const get = (target: string, headers?: Record<string, string>) => rawRequest(port, "GET", target, headers);
const head = (target: string, headers?: Record<string, string>) => rawRequest(port, "HEAD", target, headers);
const bodyText = (r: RawResponse) => Buffer.from(r.body).toString("latin1");
/** The headers a response carries, without the ones that may differ between two requests. */
const stable = (r: RawResponse) => {
  const { date: _date, ...rest } = r.headers;
  return rest;
};

test("a link in /boot or /torrents that leads out of the folder is answered 404 to GET and HEAD, and logged", async () => {
  const store = join(fx.dir, "luna.db");
  symlinkSync(store, join(boot, "store"));
  symlinkSync("/etc/shadow", join(boot, "shadow"));
  symlinkSync("../../luna.db", join(torrents, "up.tar.zst"));
  // a folder link leading out, then a file link through it that stays "inside" by name
  symlinkSync("/etc", join(boot, "etcdir"));
  symlinkSync("etcdir/hostname", join(boot, "hostname"));
  for (const target of ["/boot/store", "/boot/shadow", "/torrents/up.tar.zst", "/boot/hostname"]) {
    warnings.length = 0;
    for (const r of [await get(target), await head(target)]) {
      expect([target, r.status]).toEqual([target, 404]);
      expect(bodyText(r)).not.toContain("SQLite format");
      expect(bodyText(r)).not.toContain("root:");
    }
    const name = target.split("/")[2];
    expect(warnings.some((w) => w.fields?.name === name)).toBe(true);
  }
});

test("a link that stays inside its folder is served like the file it names, ranges included", async () => {
  symlinkSync(KERNEL, join(boot, "compute-vmlinuz-latest"));
  mkdirSync(join(boot, "inner"));
  writeFileSync(join(boot, "inner", "file"), "INNER");
  symlinkSync("inner/file", join(boot, "inner-alias"));
  symlinkSync(join(torrents, fx.tarball), join(torrents, "current.tar.zst"));
  const whole = await get("/boot/compute-vmlinuz-latest");
  expect(whole.status).toBe(200);
  expect(bodyText(whole)).toBe(KERNEL_BYTES);
  const part = await get("/boot/compute-vmlinuz-latest", { range: "bytes=7-11" });
  expect(part.status).toBe(206);
  expect(part.headers["content-range"]).toBe("bytes 7-11/23");
  expect(bodyText(part)).toBe("BYTES");
  expect(bodyText(await get("/boot/inner-alias"))).toBe("INNER");
  const tarball = await get(`/torrents/${fx.tarball}`);
  const viaLink = await get("/torrents/current.tar.zst");
  expect(viaLink.status).toBe(200);
  expect(Buffer.compare(Buffer.from(viaLink.body), Buffer.from(tarball.body))).toBe(0);
});

test("what is not a regular file (fifo, folder, device) is answered 404 at once", async () => {
  const mk = Bun.spawnSync(["mkfifo", join(boot, "fifo")]);
  expect(mk.exitCode).toBe(0);
  symlinkSync("/dev/zero", join(boot, "zero"));
  for (const target of ["/boot/fifo", "/boot/inner", "/boot/zero"]) {
    expect([target, (await get(target)).status]).toEqual([target, 404]);
    expect([target, (await head(target)).status]).toEqual([target, 404]);
  }
});

test("path traversal, encoded slashes and dots, and NUL are refused", async () => {
  const cases = [
    "/boot/../luna.db",
    "/boot/..%2fluna.db",
    "/boot/%2e%2e%2fluna.db",
    "/boot/%2E%2E%2F%2E%2E%2Fluna.db",
    "/boot/%2e%2e",
    "/boot/..",
    "/boot/.",
    "/boot/%2fetc%2fshadow",
    "/boot/%252e%252e%252fluna.db",
    `/boot/${KERNEL}%00`,
    "/boot/%00",
    "/boot/a%5c..%5cluna.db",
    "/torrents/..%2f..%2fluna.db",
    "/torrents/%2e%2e/%2e%2e/luna.db",
    "/boot/inner/file",
  ];
  for (const target of cases) {
    for (const r of [await get(target), await head(target)]) {
      expect([target, [400, 404].includes(r.status)]).toEqual([target, true]);
      expect(bodyText(r)).not.toContain("SQLite format");
    }
  }
});

test("HEAD answers the status and headers GET answers, with no body", async () => {
  const size = String(Bun.file(join(torrents, fx.tarball)).size);
  const rows: [string, Record<string, string>, number, string][] = [
    [`/boot/${KERNEL}`, {}, 200, "23"],
    [`/boot/${KERNEL}`, { range: "bytes=7-11" }, 206, "5"],
    [`/boot/${KERNEL}`, { range: "bytes=-4" }, 206, "4"],
    [`/torrents/${fx.tarball}`, {}, 200, size],
    ["/boot/compute-vmlinuz-latest", {}, 200, "23"],
  ];
  for (const [target, headers, status, length] of rows) {
    const g = await get(target, headers);
    const h = await head(target, headers);
    expect([target, h.status, h.headers["content-length"]]).toEqual([target, status, length]);
    expect(h.headers["content-type"]).toBe("application/octet-stream");
    expect(h.body.length).toBe(0);
    expect(stable(h)).toEqual(stable(g));
    expect(g.body.length).toBe(Number(length));
  }
  const past = await head(`/boot/${KERNEL}`, { range: "bytes=99-" });
  expect(past.status).toBe(416);
  expect(past.headers["content-range"]).toBe("bytes */23");
});

test("a file replaced under its name is served new; swapped for a link out or removed, it is 404", async () => {
  const path = join(boot, "swap-me");
  writeFileSync(path, "FIRST");
  expect(bodyText(await get("/boot/swap-me"))).toBe("FIRST");
  writeFileSync(`${path}.new`, "SECOND!");
  renameSync(`${path}.new`, path);
  const second = await get("/boot/swap-me");
  expect([bodyText(second), second.headers["content-length"]]).toEqual(["SECOND!", "7"]);
  symlinkSync(join(fx.dir, "luna.db"), `${path}.new`);
  renameSync(`${path}.new`, path);
  expect((await get("/boot/swap-me")).status).toBe(404);
  rmSync(path);
  expect((await get("/boot/swap-me")).status).toBe(404);
});

test("many requests for one file hold one descriptor for it, not one per request", async () => {
  const open = () => readdirSync("/proc/self/fd").length;
  await get(`/boot/${KERNEL}`);
  const before = open();
  for (let i = 0; i < 200; i++) {
    const r = await (i % 2 ? head : get)(`/boot/${KERNEL}`, i % 3 ? {} : { range: "bytes=1-2" });
    expect(r.status).toBe(i % 3 ? 200 : 206);
  }
  expect(open() - before).toBeLessThan(5);
});

test("the descriptor held for a served file is closed once the file goes unused", async () => {
  const files = createFileOpener(20);
  const opened = await files.open(boot, KERNEL);
  if (opened.kind !== "file") throw new Error(`expected a file, got ${opened.kind}`);
  // the descriptor names the kernel while held; once closed, its number names nothing or another file
  const names = () => {
    try {
      return readlinkSync(opened.path);
    } catch {
      return "";
    }
  };
  const kernel = realpathSync(join(boot, KERNEL));
  expect(names()).toBe(kernel);
  const deadline = performance.now() + 10_000;
  while (names() === kernel && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  expect(names()).not.toBe(kernel);
});
