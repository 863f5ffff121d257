/**
 * `/ipxe/FILE` (issue 15, item 2): the iPXE builds for UEFI HTTP boot, from the folder the
 * daemon is given (`[tftp] root`), under the same rules as `/boot`: one path segment, a
 * regular file inside the folder, HEAD with GET's headers (the firmware sends HEAD first to
 * learn the size). The URL makedhcp hands out is the one this route answers.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dhcpConfig } from "../../src/domain/netsvc/dhcp.ts";
import { IPXE_EFI } from "../../src/netsvc/dhcpd.ts";
import { createApp } from "../../src/server/app.ts";
import { testCluster } from "../helpers/cluster.ts";
import { rawRequest } from "../helpers/raw-http.ts";

const log = { info() {}, warn() {}, error() {} };
const fx = await testCluster({ nodes: 3, services: true });
const ipxe = join(fx.dir, "tftp");
const ROM = new Uint8Array(5000).map((_, i) => (i * 7) & 255);
const servers: { stop(): Promise<void> }[] = [];

async function listen(ipxeDir?: string): Promise<number> {
  const app = createApp({ store: fx.store, log, now: () => new Date(), secureInstall: false, ipxeDir });
  const server = app.listen({ hostname: "127.0.0.1", port: 0 });
  servers.push({ stop: async () => void (await server.stop()) });
  return server.server?.port ?? 0;
}

let port = 0;
beforeAll(async () => {
  mkdirSync(ipxe);
  writeFileSync(join(ipxe, IPXE_EFI), ROM);
  symlinkSync(join(fx.dir, "luna.db"), join(ipxe, "store.efi"));
  port = await listen(ipxe);
});
afterAll(async () => {
  for (const s of servers) await s.stop();
  await fx[Symbol.asyncDispose]();
});

test("the URL makedhcp gives UEFI HTTP boot is served from the iPXE folder, HEAD with its size", async () => {
  const { config } = dhcpConfig(await fx.snapshot());
  const url = new URL(`${config.ipxeFolderUrl}${IPXE_EFI}`);
  expect(url.pathname).toBe(`/ipxe/${IPXE_EFI}`);
  const head = await rawRequest(port, "HEAD", url.pathname);
  expect(head.status).toBe(200);
  expect(head.headers["content-length"]).toBe(String(ROM.length));
  expect(head.body.length).toBe(0);
  const get = await rawRequest(port, "GET", url.pathname);
  expect(get.status).toBe(200);
  expect(get.body).toEqual(ROM);
});

test("/ipxe refuses names that leave the folder and links that lead out of it", async () => {
  for (const [target, status] of [
    ["/ipxe/store.efi", 404],
    ["/ipxe/../luna.db", 404],
    ["/ipxe/%2e%2e%2fluna.db", 400],
    ["/ipxe/tftp/luna_ipxe.efi", 400],
    ["/ipxe/missing.efi", 404],
  ] as const) {
    const r = await rawRequest(port, "GET", target);
    expect([target, r.status]).toEqual([target, status]);
    expect(Buffer.from(r.body).toString("latin1")).not.toContain("SQLite format");
  }
});

test("a daemon given no iPXE folder answers /ipxe with 404", async () => {
  const bare = await listen(undefined);
  for (const method of ["GET", "HEAD"]) {
    expect((await rawRequest(bare, method, `/ipxe/${IPXE_EFI}`)).status).toBe(404);
  }
});
