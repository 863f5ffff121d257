/**
 * What iPXE is told when there is nothing to boot (issue 15): with `reply=script` (the boot
 * menu asks that way) discovery answers 200 with a script that says what is wrong and how to
 * fix it, then starts over, because iPXE cannot tell a 404 from a dead server; plain HTTP
 * clients keep the status codes. "Not packed" reads the same on discovery and install.
 */
import { expect, test } from "bun:test";
import { changeNode } from "../../src/domain/node.ts";
import { createApp } from "../../src/server/app.ts";
import { MAC1, testCluster } from "../helpers/cluster.ts";
import { expectGolden } from "../helpers/golden.ts";

const silent = { info() {}, warn() {}, error() {} };

test("unknown hardware and an unpacked image get a script that says so, and the same text twice", async () => {
  await using fx = await testCluster({ nodes: 2, packed: true });
  const app = createApp({
    store: fx.store,
    log: silent,
    now: () => new Date("2026-12-01T10:00:00Z"),
    secureInstall: true,
    bootAddressCheck: false,
    newToken: () => "5e".repeat(32),
  });
  const get = (path: string) => app.handle(new Request(`http://localhost${path}`));
  const unknown = await get("/luna?step=discovery&hwdata=52:54:00:aa:bb:cc&reply=script");
  expect(unknown.status).toBe(200);
  expectGolden("boot/unknown-answer.ipxe", await unknown.text());
  expect((await get("/luna?step=discovery&hwdata=52:54:00:aa:bb:cc")).status).toBe(404);

  // node001's image loses its packed version.
  await fx.store.write(async (tx) => {
    const img = await tx.byName("osimage", "compute");
    if (img)
      await tx.update("osimage", {
        ...img,
        versions: [],
        current: 0,
        kernfile: "",
        initrdfile: "",
      });
  });
  const packed = await get(`/luna?step=discovery&hwdata=${MAC1}&reply=script`);
  expect(packed.status).toBe(200);
  expectGolden("boot/not-packed-answer.ipxe", await packed.text());
  const plain = await get(`/luna?step=discovery&hwdata=${MAC1}`);
  const token = "5e".repeat(32);
  const install = await get(`/luna?step=install&node=node001&token=${token}`);
  expect([plain.status, install.status]).toEqual([503, 503]);
  const [a, b] = [await plain.text(), await install.text()];
  expect(a).toBe("osimage compute is not packed: run 'luna osimage pack compute'\n");
  expect(b).toBe(a);
});

test("a bound MAC from the wrong address is told how to fix DHCP", async () => {
  await using fx = await testCluster({ nodes: 2, packed: true });
  await fx.store.write((tx) => changeNode(tx, "node001", { localboot: "n" }));
  const app = createApp({ store: fx.store, log: silent, now: () => new Date(), secureInstall: true });
  const server = app.listen({ hostname: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${server.server?.port}/luna?step=discovery&hwdata=${MAC1}`;
  const r = await fetch(`${url}&reply=script`);
  const plain = await fetch(url);
  await server.stop();
  expect([r.status, plain.status]).toEqual([200, 403]);
  const body = await r.text();
  expect(body).toStartWith("#!ipxe\n");
  expect(body).toContain(
    "echo Luna: node001 asked from 127.0.0.1, but its boot interface enp7s0 has 10.30.0.1:",
  );
  expect(body).toContain("echo Luna: run 'luna cluster makedhcp' and restart the DHCP server.");
  expect(body).toContain("chain --autofree http://10.30.255.254:7050/luna?step=boot");
});
