/**
 * The admin listener (issue 16 item 4): where the config and the flags put it, never on the
 * node-facing port, and not at all when the config turns it off.
 */
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startDaemon } from "../helpers/daemon-proc.ts";
import { sandbox } from "../helpers/luna.ts";

const get = (url: string) =>
  fetch(url).then(
    (r) => r.status,
    () => "refused",
  );

test("the admin listener listens where luna.conf says, a flag beats it, and 7050 has none of it", async () => {
  await using box = await sandbox();
  expect((await box.luna(["cluster", "init"])).code).toBe(0);
  const conf = join(box.dir, "luna.conf");
  writeFileSync(conf, '[snmp]\nenabled = false\n[admin]\nhost = "127.0.0.2"\nport = 0\n');
  {
    await using d = await startDaemon(box, { global: ["--config", conf] });
    expect(d.admin).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/);
    const adminPort = new URL(d.admin as string).port;
    expect(await get(`${d.admin}/metrics`)).toBe(200);
    // The same port on another loopback address is not it, and the node-facing port has no page.
    expect(await get(`http://127.0.0.1:${adminPort}/metrics`)).toBe("refused");
    expect(await get(`http://127.0.0.1:${d.port}/metrics`)).toBe(404);
    expect(await get(`${d.admin}/luna?step=boot`)).toBe(404);
  }
  {
    await using d = await startDaemon(box, {
      global: ["--config", conf],
      args: ["--admin-host", "127.0.0.3", "--admin-port", "0"],
    });
    expect(d.admin).toMatch(/^http:\/\/127\.0\.0\.3:\d+$/);
    expect(await get(`${d.admin}/metrics`)).toBe(200);
  }
});

test("[admin] enabled = false starts no admin listener", async () => {
  await using box = await sandbox();
  expect((await box.luna(["cluster", "init"])).code).toBe(0);
  const conf = join(box.dir, "luna.conf");
  writeFileSync(conf, "[snmp]\nenabled = false\n[admin]\nenabled = false\nport = 0\n");
  await using d = await startDaemon(box, { global: ["--config", conf], last: "http" });
  expect(d.admin).toBeUndefined();
  expect(d.log()).not.toContain("service admin");
});

test("a bad --admin-host is refused before anything starts", async () => {
  await using box = await sandbox();
  const r = await box.luna(["daemon", "--admin-host", "head.example", "--port", "0"]);
  expect(r.stderr).toContain("Invalid value 'head.example' for --admin-host: not an IP address");
  expect(r.code).toBe(2);
});

test("a taken admin port is logged and the daemon still serves the nodes", async () => {
  await using box = await sandbox();
  expect((await box.luna(["cluster", "init"])).code).toBe(0);
  const conf = join(box.dir, "luna.conf");
  writeFileSync(conf, "[snmp]\nenabled = false\n");
  const global = ["--config", conf];
  await using first = await startDaemon(box, { global, args: ["--admin-port", "0"] });
  const taken = new URL(first.admin as string).port;
  await using second = await startDaemon(box, { global, args: ["--admin-port", taken] });
  expect(second.admin).toBeUndefined();
  expect(second.log()).toContain("the admin listener (metrics, status page) could not start");
  expect(await get(`http://127.0.0.1:${second.port}/luna?step=boot`)).toBe(200);
});
