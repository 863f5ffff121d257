/**
 * The daemon as an operator meets it, with the compiled binary from an empty folder: the seed
 * README's "Start services" (`ltorrent start`, `lweb start` through symlinks, one daemon) and
 * "Check if it is working" (boot menu, kernel download, install script), then stop.
 */
import { expect, test } from "bun:test";
import { readdirSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { sandbox } from "../helpers/luna.ts";
import { SEED } from "../helpers/seed-walkthrough.ts";

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

test("lweb and ltorrent start one daemon that answers the seed README's checks", async () => {
  await using box = await sandbox();
  const image = box.imageTree("6.1.0-13-amd64");
  writeFileSync(join(image, "etc-marker"), "hello");
  writeFileSync(join(box.dir, "initrd.img"), "INITRD");
  expect((await box.sh(SEED(image))).code).toBe(0);
  const port = await freePort();
  expect(
    (await box.luna(["cluster", "change", "--frontend_port", String(port), "--path", join(box.dir, "opt")]))
      .code,
  ).toBe(0);
  const pack = await box.luna([
    "osimage",
    "pack",
    "-n",
    "compute",
    "--initrdfile",
    join(box.dir, "initrd.img"),
  ]);
  expect(pack.stderr).toContain("luna: creating compute-1.torrent");
  expect(pack.code).toBe(0);
  expect(pack.stdout).toContain("Packed compute version 1");

  for (const name of ["lweb", "ltorrent"])
    symlinkSync(join(box.dir, "bin", "luna"), join(box.dir, "bin", name));
  const files = [
    "--pidfile",
    join(box.dir, "run", "luna.pid"),
    "--logfile",
    join(box.dir, "log", "luna.log"),
    "--port",
    String(port),
    "--host",
    "127.0.0.1",
  ];
  // --store on the command line reaches the background daemon (the environment names another store).
  const started = await box.sh(
    `LUNA_STORE=sqlite:${join(box.dir, "empty.db")} ltorrent start --store sqlite:${box.store} ${files.join(" ")}`,
  );
  expect(started.stdout).toMatch(/luna daemon started \(pid \d+\)/);
  expect(started.code).toBe(0);
  try {
    const again = await box.sh(`lweb start ${files.join(" ")}`);
    expect(again.stderr).toContain("already running");
    expect(again.code).toBe(4);
    // Another daemon (its own pid file) on the same port fails instead of sharing the port.
    const other = await box.sh(
      `timeout 30 luna daemon --pidfile ${join(box.dir, "other.pid")} --port ${port} --host 127.0.0.1`,
    );
    expect(other.code).toBe(1);
    expect(other.stdout + other.stderr).toContain("service http could not start");
    const status = await box.sh(`lweb status ${files.join(" ")}`);
    expect(status).toMatchObject({ code: 0 });
    expect(status.stdout).toContain("is running");

    const base = `http://127.0.0.1:${port}`;
    const menu = await fetch(`${base}/luna?step=boot`);
    expect(menu.status).toBe(200);
    expect(await menu.text()).toStartWith("#!ipxe");
    const kernel = await fetch(`${base}/boot/compute-vmlinuz-6.1.0-13-amd64`);
    expect(kernel.status).toBe(200);
    expect(await kernel.text()).toBe("kernel");
    // No loopback exemption: the install script needs the credential of the node's boot.
    const refused = await fetch(`${base}/luna?step=install&node=node001`);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("no boot credential given");
    expect((await box.luna(["node", "change", "-n", "node001", "--localboot", "n"])).code).toBe(0);
    // node001 has no MAC yet: choosing it by name binds this one and issues a credential.
    const boot = await (
      await fetch(`${base}/luna?step=discovery&node=node001&hwdata=52:54:00:00:00:99`)
    ).text();
    const token = /luna\.token=([0-9a-f]{64})/.exec(boot)?.[1];
    expect(token).toBeDefined();
    const install = await fetch(`${base}/luna?step=install&node=node001&token=${token}`);
    expect(install.status).toBe(200);
    const script = await install.text();
    expect(script).toStartWith("#!/bin/bash");
    expect(script).toContain("LUNA_NODE='node001'");
    const torrent = await fetch(`${base}/torrents/compute-1.torrent`);
    expect(torrent.status).toBe(200);
    const nodeStatus = await box.luna(["node", "status", "node001", "--json"]);
    expect(JSON.parse(nodeStatus.stdout)[0].status.step).toBe("install.request");
    // The daemon has just read the group; a change made with the CLI shows at once.
    expect(script).not.toContain("LUNA_SEED_TAIL=42");
    expect((await box.luna(["group", "change", "-n", "compute", "--seed_tail", "42"])).code).toBe(0);
    const changed = await (await fetch(`${base}/luna?step=install&node=node001&token=${token}`)).text();
    expect(changed).toContain("LUNA_SEED_TAIL=42");
    // The WAL checkpoint worker (a module of its own in the binary) opens its own connection.
    const pid = Number(/pid (\d+)/.exec(started.stdout)?.[1]);
    expect(await storeConnections(pid, box.store)).toBe(3);
  } finally {
    const stopped = await box.sh(`lweb stop ${files.join(" ")}`);
    expect(stopped.stdout).toMatch(/luna daemon stopped/);
  }
  const after = await box.sh(`lweb status ${files.join(" ")}`);
  expect(after.code).toBe(3);
  const log = await Bun.file(join(box.dir, "log", "luna.log")).text();
  expect(log).toContain('"msg":"service http stopped"');
  expect(log).not.toContain("background WAL checkpoints stopped");
});

/**
 * How many open files of `pid` are the store (the daemon's two connections and the checkpoint
 * worker's, which opens at its first checkpoint, within a second), waiting up to 10 s for 3.
 */
async function storeConnections(pid: number, store: string): Promise<number> {
  const count = () =>
    readdirSync(`/proc/${pid}/fd`).filter((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === store;
      } catch {
        return false;
      }
    }).length;
  const deadline = Date.now() + 10_000;
  while (count() < 3 && Date.now() < deadline) await Bun.sleep(50);
  return count();
}
