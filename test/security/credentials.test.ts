/**
 * Issue 13 items 1, 2, 5 and 9, as a hostile host on the provisioning network (or a local
 * user of the head node) would try them: the /luna route is driven with the remote address
 * the server would pass, on a real SQLite store; the loopback case goes through a real
 * listening server. Each case failed before per-boot credentials existed.
 */
import { expect, test } from "bun:test";
import { UNKNOWN_MAX } from "../../src/domain/boot/discovery.ts";
import { changeNode } from "../../src/domain/node.ts";
import { announceAdmitter } from "../../src/server/announce-admit.ts";
import { createApp, queryOf } from "../../src/server/app.ts";
import { errorResponse } from "../../src/server/errors.ts";
import { type LunaRouteOptions, rateLimitedUnknownLog } from "../../src/server/luna-options.ts";
import { handleLuna } from "../../src/server/luna-route.ts";
import { createStatusBatcher } from "../../src/server/status-batcher.ts";
import { MAC1, type TestCluster, testCluster } from "../helpers/cluster.ts";

const NODE1_IP = "10.30.0.1"; // node001's boot interface (its DHCP fixed lease)
const ATTACKER = "10.30.200.66";
const silent = { info() {}, warn() {}, error() {} };

function route(fx: TestCluster, at = () => new Date("2026-12-01T10:00:00Z")) {
  const warnings: string[] = [];
  const o: LunaRouteOptions = {
    store: fx.store,
    log: { ...silent, warn: (m) => warnings.push(m) },
    now: at,
    secureInstall: true,
    counters: { installRefused: 0, unknownNodes: 0, statusReports: 0 },
    statuses: createStatusBatcher(fx.store),
    unknownLog: () => {},
  };
  const get = async (path: string, ip: string) => {
    try {
      const r = await handleLuna(queryOf(path), ip, o);
      return { status: r.status, body: await r.text() };
    } catch (e) {
      const r = errorResponse(e);
      return { status: r.status, body: await r.text() };
    }
  };
  return { get, o, warnings };
}

const tokenOf = (script: string) => /luna\.token=([0-9a-f]{64})/.exec(script)?.[1];

async function withBmcPassword(fx: TestCluster) {
  await fx.store.write(async (tx) => {
    const b = await tx.byName("bmcsetup", "base");
    if (b) await tx.update("bmcsetup", { ...b, password: "s3cret-bmc" });
    await changeNode(tx, "node002", { mac: "52:54:00:00:00:02" });
  });
}

test("item 1: choosing a bound node by name from another MAC neither re-binds it nor yields its secrets", async () => {
  await using fx = await testCluster({ nodes: 3, packed: true });
  await withBmcPassword(fx);
  const { get } = route(fx);
  const before = await fx.store.dump();
  const steal = await get("/luna?step=discovery&node=node002&hwdata=02:00:00:00:66:66", ATTACKER);
  expect(steal.status).toBe(404);
  expect(steal.body).toContain("bound to another MAC");
  expect((await fx.store.byName("mac", "52:54:00:00:00:02"))?.node).toBe(
    (await fx.store.byName("node", "node002"))?.id as string,
  );
  expect(await fx.store.byName("mac", "02:00:00:00:66:66")).toBeUndefined();
  // The MAC of node001 asked for node002: it stays node001's, nothing moves.
  const swap = await get(`/luna?step=discovery&node=node002&hwdata=${MAC1}`, ATTACKER);
  expect(swap.status).toBe(404);
  expect(swap.body).toContain("bound to node001");
  for (const path of [
    "/luna?step=install&node=node002",
    `/luna?step=install&node=node002&token=${"0".repeat(64)}`,
  ]) {
    const r = await get(path, ATTACKER);
    expect(r.status).toBe(403);
    expect(r.body).not.toContain("s3cret-bmc");
  }
  // Only the unknown-hardware records changed.
  const unknown = await fx.store.list("unknown");
  expect(unknown.map((u) => u.name).sort()).toEqual(["02:00:00:00:66:66", MAC1]);
  expect(before).not.toBe(await fx.store.dump());
});

test("item 1: a bound MAC claimed from another address gets no credential; the node itself does", async () => {
  await using fx = await testCluster({ nodes: 2, packed: true });
  await withBmcPassword(fx);
  const { get, o } = route(fx);
  const spoofed = await get(`/luna?step=discovery&hwdata=${MAC1}`, ATTACKER);
  expect(spoofed.status).toBe(403);
  expect(spoofed.body).toContain(`asked from ${ATTACKER}, but its boot interface enp7s0 has ${NODE1_IP}`);
  expect((await fx.store.byName("node", "node001"))?.credential).toBeUndefined();
  expect(o.counters.installRefused).toBe(1);

  const boot = await get(`/luna?step=discovery&hwdata=${MAC1}`, NODE1_IP);
  expect(boot.status).toBe(200);
  const token = tokenOf(boot.body) as string;
  expect(token).toBeDefined();
  const node = await fx.store.byName("node", "node001");
  // Only the hash is stored, bound to the address that asked; bootip is recorded (and shown).
  expect(node?.credential?.ip).toBe(NODE1_IP);
  expect(node?.credential?.hash).toMatch(/^[0-9a-f]{64}$/);
  expect(node?.credential?.hash).not.toBe(token);
  expect(await fx.store.dump()).not.toContain(token);
  expect(node?.bootip).toBe(NODE1_IP);

  // The token from another address, or another node's name, is refused.
  expect((await get(`/luna?step=install&node=node001&token=${token}`, ATTACKER)).status).toBe(403);
  expect((await get(`/luna?step=install&node=node002&token=${token}`, NODE1_IP)).status).toBe(403);
  const script = await get(`/luna?step=install&node=node001&token=${token}`, NODE1_IP);
  expect(script.status).toBe(200);
  expect(script.body).toContain("LUNA_BMC_PASSWORD='s3cret-bmc'");
});

test("item 2: over loopback (a local user of the head node) the install script needs the credential too", async () => {
  await using fx = await testCluster({ nodes: 2, packed: true });
  await withBmcPassword(fx);
  const app = createApp({ store: fx.store, log: silent, now: () => new Date(), secureInstall: true });
  const server = app.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const r = await fetch(`http://127.0.0.1:${server.server?.port}/luna?step=install&node=node002`);
    expect(r.status).toBe(403);
    const body = await r.text();
    expect(body).toContain("no boot credential given");
    expect(body).not.toContain("s3cret-bmc");
  } finally {
    await server.stop();
  }
});

test("item 9: a status report without the node's credential changes nothing", async () => {
  await using fx = await testCluster({ nodes: 2, packed: true });
  const { get } = route(fx);
  const before = await fx.store.dump();
  for (const ip of [ATTACKER, NODE1_IP, "127.0.0.1"]) {
    const r = await get("/luna?step=install&node=node001&status=install.success", ip);
    expect(r.status).toBe(403);
  }
  expect(await fx.store.dump()).toBe(before);
  const token = tokenOf((await get(`/luna?step=discovery&hwdata=${MAC1}`, NODE1_IP)).body);
  const ok = await get(`/luna?step=install&node=node001&token=${token}&status=install.download`, NODE1_IP);
  expect(ok.status).toBe(200);
  expect((await fx.store.byName("node", "node001"))?.status?.step).toBe("install.download");
});

test("a credential is for one boot: re-issues are counted and logged, install.success closes the script, it expires", async () => {
  await using fx = await testCluster({ nodes: 2, packed: true });
  let now = new Date("2026-12-01T10:00:00Z");
  const { get, warnings } = route(fx, () => now);
  const first = tokenOf((await get(`/luna?step=discovery&hwdata=${MAC1}`, NODE1_IP)).body);
  const second = tokenOf((await get(`/luna?step=discovery&hwdata=${MAC1}`, NODE1_IP)).body);
  expect(second).not.toBe(first);
  expect((await fx.store.byName("node", "node001"))?.credential?.reissued).toBe(1);
  expect(warnings).toContain("boot credential re-issued while the previous one was still valid");
  // The earlier token is dead.
  expect((await get(`/luna?step=install&node=node001&token=${first}`, NODE1_IP)).status).toBe(403);
  const url = `/luna?step=install&node=node001&token=${second}`;
  expect((await get(url, NODE1_IP)).status).toBe(200);
  expect((await get(`${url}&status=install.success`, NODE1_IP)).status).toBe(200);
  const again = await get(url, NODE1_IP);
  expect(again.status).toBe(403);
  expect(again.body).toContain("served once per boot");
  // Status reports (and announces) still work until it expires.
  expect((await get(`${url}&status=install.tail`, NODE1_IP)).status).toBe(200);
  now = new Date(now.getTime() + 5 * 3600_000);
  const late = await get(`${url}&status=install.late`, NODE1_IP);
  expect(late.status).toBe(403);
  expect(late.body).toContain("expired");
});

test("tracker: announces from the network need a live credential; loopback peers are the head node's own", async () => {
  await using fx = await testCluster({ nodes: 2, packed: true });
  const { get } = route(fx);
  const token = tokenOf((await get(`/luna?step=discovery&hwdata=${MAC1}`, NODE1_IP)).body) as string;
  const admit = announceAdmitter(fx.store, { secure: true, now: () => new Date("2026-12-01T10:00:01Z") });
  expect(await admit({ ip: NODE1_IP, node: "node001", token })).toBe(true);
  expect(await admit({ ip: ATTACKER, node: "node001", token })).toBe(false);
  expect(await admit({ ip: NODE1_IP, node: "node001", token: "ab".repeat(32) })).toBe(false);
  expect(await admit({ ip: NODE1_IP, node: "node002", token })).toBe(false);
  expect(await admit({ ip: ATTACKER })).toBe(false);
  expect(await admit({ ip: "127.0.0.1" })).toBe(true);
  expect(await announceAdmitter(fx.store, { secure: false, now: () => new Date() })({ ip: ATTACKER })).toBe(
    true,
  );
});

test("item 5: unknown hardware is capped (a flood of made-up MACs stops at the cap) and expires", async () => {
  await using fx = await testCluster({ nodes: 2, packed: true });
  let now = new Date("2026-12-01T10:00:00Z");
  const { get } = route(fx, () => now);
  const mac = (i: number) =>
    `02:00:00:${[(i >> 16) & 255, (i >> 8) & 255, i & 255].map((b) => b.toString(16).padStart(2, "0")).join(":")}`;
  const flood = UNKNOWN_MAX + 200;
  for (let i = 0; i < flood; i += 100) {
    const batch = Array.from({ length: Math.min(100, flood - i) }, (_, k) =>
      get(`/luna?step=discovery&hwdata=${mac(i + k)}`, ATTACKER),
    );
    for (const r of await Promise.all(batch)) expect(r.status).toBe(404);
  }
  expect((await fx.store.list("unknown")).length).toBe(UNKNOWN_MAX);
  // A week later the old entries have expired: a new machine is recorded again.
  now = new Date(now.getTime() + 8 * 86400_000);
  expect((await get("/luna?step=discovery&hwdata=52:54:00:77:77:77", ATTACKER)).status).toBe(404);
  const left = await fx.store.list("unknown");
  expect(left.map((u) => u.name)).toEqual(["52:54:00:77:77:77"]);
});

test("item 5: unknown hardware is logged at most once a second, with a count of what was left out", () => {
  const lines: Record<string, unknown>[] = [];
  let t = 0;
  const log = rateLimitedUnknownLog({ ...silent, warn: (_m, f) => lines.push(f ?? {}) }, () => t);
  const seen = {
    macs: ["02:00:00:00:00:01"],
    serial: "",
    ip: ATTACKER,
    why: "no node has this MAC",
    stored: true,
  };
  for (let i = 0; i < 5000; i++) {
    t = i; // 5000 requests over 5 seconds
    log(seen);
  }
  expect(lines.length).toBe(5);
  expect(lines[0]?.unlogged_before).toBeUndefined();
  expect(lines[1]?.unlogged_before).toBe(999);
});

test("HEAD on /luna, /announce and /scrape is refused: it would run discovery or an announce", async () => {
  await using fx = await testCluster({ nodes: 2, packed: true });
  const app = createApp({ store: fx.store, log: silent, now: () => new Date(), secureInstall: true });
  const before = await fx.store.dump();
  for (const path of [`/luna?step=discovery&hwdata=${MAC1}`, "/announce?info_hash=x", "/scrape"]) {
    const r = await app.handle(new Request(`http://localhost${path}`, { method: "HEAD" }));
    expect([path, r.status, r.headers.get("allow")]).toEqual([path, 405, "GET"]);
  }
  expect(await fx.store.dump()).toBe(before);
});
