/**
 * Node-facing routes, one suite run twice: through `app.handle` and against a real server
 * listening on port 0 (the daemon's own HTTP service).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../src/server/app.ts";
import { MAC1, type TestCluster, testCluster } from "../helpers/cluster.ts";
import { expectGolden } from "../helpers/golden.ts";

type Fetch = (path: string, init?: RequestInit) => Promise<Response>;
const silent = { info() {}, warn() {}, error() {} };
const FIXED = () => new Date("2026-11-25T10:00:00.000Z");
/** Every boot credential the test app issues (golden files need a fixed one). */
const TOKEN = "5e".repeat(32);

function suite(mode: "handle" | "listen") {
  describe(`routes via ${mode}`, () => {
    let fx: TestCluster;
    let get: Fetch;
    let stop = async () => {};
    const counters = { installRefused: 0, unknownNodes: 0, statusReports: 0 };
    beforeAll(async () => {
      fx = await testCluster({ nodes: 2, packed: true });
      const app = createApp({
        store: fx.store,
        log: silent,
        now: FIXED,
        secureInstall: mode === "listen",
        // Requests come from 127.0.0.1, not the nodes' 10.30.0.x: the credential is checked,
        // discovery's fixed-lease address check is not (test/security covers it).
        bootAddressCheck: false,
        newToken: () => TOKEN,
        counters,
      });
      if (mode === "handle") {
        get = (path, init) => app.handle(new Request(`http://localhost${path}`, init));
      } else {
        const server = app.listen({ hostname: "127.0.0.1", port: 0 });
        const port = server.server?.port;
        get = (path, init) => fetch(`http://127.0.0.1:${port}${path}`, init);
        stop = async () => {
          await server.stop();
        };
      }
    });
    afterAll(async () => {
      await stop();
      await fx[Symbol.asyncDispose]();
    });

    test("step=boot returns the iPXE menu", async () => {
      const r = await get("/luna?step=boot");
      expect(r.status).toBe(200);
      expectGolden("boot/boot-menu.ipxe", await r.text());
    });

    test("discovery by a bound MAC returns the node's kernel and kernel arguments", async () => {
      const r = await get(`/luna?step=discovery&hwdata=${encodeURIComponent(`SER123|${MAC1}|||`)}`);
      expect(r.status).toBe(200);
      expectGolden("boot/node001-boot.ipxe", await r.text());
      const node = await fx.store.byName("node", "node001");
      expect(node?.status?.step).toBe("boot.request");
    });

    test("a repeated query parameter keeps its first value; odd names are plain keys", async () => {
      const r = await get("/luna?step=boot&step=install&__proto__=x&constructor=y");
      expect(r.status).toBe(200);
      expect(await r.text()).toStartWith("#!ipxe");
      const missing = await get("/luna?constructor=boot");
      expect(missing.status).toBe(400);
      expect(await missing.text()).toContain("Missing step");
    });

    test("discovery with an upper-case MAC among empty NIC fields still matches", async () => {
      const r = await get(`/luna?step=discovery&hwdata=${encodeURIComponent(`|${MAC1.toUpperCase()}|`)}`);
      expect(r.status).toBe(200);
      expect(await r.text()).toContain("luna.node=node001");
    });

    test("discovery of unknown hardware is a 404 and is recorded", async () => {
      const r = await get("/luna?step=discovery&hwdata=52:54:00:aa:bb:cc|SERX");
      expect(r.status).toBe(404);
      const unknown = await fx.store.byName("unknown", "52:54:00:aa:bb:cc");
      expect(unknown).toMatchObject({ macs: ["52:54:00:aa:bb:cc"], serial: "SERX" });
    });

    test("discovery with node= binds the MAC to that node", async () => {
      const r = await get("/luna?step=discovery&node=node002&hwdata=52:54:00:00:00:02");
      expect(r.status).toBe(200);
      expect(await r.text()).toContain(
        "luna.node=node002 luna.hostname=node002.cluster luna.mac=52:54:00:00:00:02 luna.ip=10.30.0.2/16",
      );
      expect((await fx.store.byName("mac", "52:54:00:00:00:02"))?.node).toBe(
        (await fx.store.byName("node", "node002"))?.id as string,
      );
    });

    test("localboot and service flips take effect on the next request", async () => {
      await fx.store.write(async (tx) => {
        const n = await tx.byName("node", "node001");
        if (n) await tx.update("node", { ...n, localboot: true });
      });
      const local = await (await get(`/luna?step=discovery&hwdata=${MAC1}`)).text();
      expectGolden("boot/localboot.ipxe", local);
      await fx.store.write(async (tx) => {
        const n = await tx.byName("node", "node001");
        if (n) await tx.update("node", { ...n, localboot: false, service: true });
      });
      expect(await (await get(`/luna?step=discovery&hwdata=${MAC1}`)).text()).toContain("luna.service=1");
      await fx.store.write(async (tx) => {
        const n = await tx.byName("node", "node001");
        if (n) await tx.update("node", { ...n, service: false });
      });
    });

    test("status reports are recorded with a timestamp", async () => {
      const r = await get(`/luna?step=install&node=node002&token=${TOKEN}&status=install.download`);
      expect(r.status).toBe(200);
      const node = await fx.store.byName("node", "node002");
      expect(node?.status).toEqual({ step: "install.download", time: "2026-11-25T10:00:00.000Z" });
    });

    test("the install script is served to the node (and refused elsewhere when secure)", async () => {
      const r = await get(`/luna?step=install&node=node001&token=${TOKEN}`);
      // the version it is served stays in use (pack does not prune it) until it boots another
      const image = await fx.store.byName("osimage", "compute");
      const node = await fx.store.byName("node", "node001");
      expect(node?.status?.step).toBe("install.request");
      expect(node?.imageversion).toBe(`${image?.id}:${image?.current}`);
      if (mode === "handle") {
        expect(r.status).toBe(200);
        expectGolden("boot/node001-install.sh", await r.text());
      } else {
        // node001's credential was issued to 127.0.0.1 at its discovery above.
        expect(r.status).toBe(200);
        const other = await get("/luna?step=install&node=node003");
        expect(other.status).toBe(404);
        const node2 = await get(`/luna?step=install&node=node002&token=${TOKEN}`);
        expect(node2.status).toBe(200);
        const without = await get("/luna?step=install&node=node002");
        expect(without.status).toBe(403);
      }
    });

    test("/boot files are served whole and by range", async () => {
      const whole = await get("/boot/compute-vmlinuz-6.1.0-test");
      expect(whole.status).toBe(200);
      expect(await whole.text()).toBe("KERNEL-BYTES-0123456789");
      const part = await get("/boot/compute-vmlinuz-6.1.0-test", { headers: { range: "bytes=7-11" } });
      expect(part.status).toBe(206);
      expect(part.headers.get("content-range")).toBe("bytes 7-11/23");
      expect(await part.text()).toBe("BYTES");
      const tail = await get("/boot/compute-vmlinuz-6.1.0-test", { headers: { range: "bytes=-4" } });
      expect(await tail.text()).toBe("6789");
      const bad = await get("/boot/compute-vmlinuz-6.1.0-test", { headers: { range: "bytes=99-" } });
      expect(bad.status).toBe(416);
      expect(bad.headers.get("content-range")).toBe("bytes */23");
      expect((await get("/boot/compute-vmlinuz-6.1.0-test", { headers: { range: "bytes=-0" } })).status).toBe(
        416,
      );
    });

    test("a Range header it does not serve (other units, several ranges, malformed) gets the whole file", async () => {
      for (const range of ["items=0-1", "bytes=0-1,4-5", "bytes=5-2", "bytes=-", "bytes=abc"]) {
        const r = await get("/boot/compute-vmlinuz-6.1.0-test", { headers: { range } });
        expect([range, r.status]).toEqual([range, 200]);
        expect(await r.text()).toBe("KERNEL-BYTES-0123456789");
      }
    });

    const BAD: [string, number][] = [
      ["/luna", 400],
      ["/luna?step=nope", 400],
      ["/luna?step=discovery", 400],
      ["/luna?step=discovery&hwdata=", 400],
      [`/luna?step=discovery&hwdata=${"a".repeat(5000)}`, 400],
      ["/luna?step=discovery&hwdata=not-a-mac", 400],
      ["/luna?step=discovery&hwdata=%3Cscript%3E", 400],
      ["/luna?step=discovery&node=nosuch&hwdata=52:54:00:00:00:09", 404],
      ["/luna?step=install", 400],
      ["/luna?step=install&node=nosuch", 404],
      ["/luna?step=install&node=node001&status=Bad%20Status", 400],
      [`/luna?step=install&node=node001&status=${"a".repeat(200)}`, 400],
      ["/luna?step=install&node=nosuch&status=install.download", 404],
      ["/boot/../luna.db", 404],
      ["/boot/%2e%2e%2fluna.db", 400],
      ["/boot/..%2fluna.db", 400],
      ["/boot/%2e%2e/luna.db", 404],
      ["/torrents/..%2f..%2fluna.db", 400],
      ["/boot/nosuchfile", 404],
      ["/nowhere", 404],
    ];
    for (const [path, status] of BAD) {
      test(`bad request ${path.slice(0, 60)} gets ${status} and changes nothing`, async () => {
        const before = await fx.store.dump();
        const r = await get(path);
        expect(r.status).toBe(status);
        expect((await r.text()).length).toBeLessThan(200);
        expect(await fx.store.dump()).toBe(before);
      });
    }

    test("a tarball still being written by osimage pack (.partial) is not served", async () => {
      const partial = join(fx.path, "torrents", `${fx.tarball}.partial-4242`);
      writeFileSync(partial, "half a tarball");
      try {
        expect((await get(`/torrents/${fx.tarball}.partial-4242`)).status).toBe(404);
        expect((await get(`/torrents/${fx.tarball}`)).status).toBe(200);
      } finally {
        rmSync(partial);
      }
    });
  });
}

test("the install script is refused without the node's boot credential", async () => {
  await using fx = await testCluster({ nodes: 2, packed: true });
  const counters = { installRefused: 0, unknownNodes: 0, statusReports: 0 };
  const app = createApp({ store: fx.store, log: silent, now: FIXED, secureInstall: true, counters });
  const r = await app.handle(new Request("http://localhost/luna?step=install&node=node001"));
  expect(r.status).toBe(403);
  expect(await r.text()).toContain("no boot credential given");
  expect(counters.installRefused).toBe(1);
});

suite("handle");
suite("listen");
