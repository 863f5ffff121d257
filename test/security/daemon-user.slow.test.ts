/**
 * "Local users are not root; the daemon runs as its own user" (issue 13): the admin's CLI runs
 * as root under a strict umask, the daemon as an unprivileged user (nobody, standing in for
 * `luna`) with no new privileges and no capabilities, and they share one store and one cluster
 * folder: the store root's `cluster init` creates in the daemon's folder is the daemon's, the
 * -wal/-shm files either side creates stay openable by the other, and what `osimage pack`
 * writes (from a 0600 kernel, as some distributions ship it) the daemon can serve.
 */
import { expect, test } from "bun:test";
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { sandbox } from "../helpers/luna.ts";
import { waitFor } from "../helpers/swarm.ts";

const NOBODY = 65534;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/** "uid:gid mode" of every file in a folder, by name. */
const owners = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir).map((f) => {
      const s = statSync(join(dir, f));
      return [f, `${s.uid}:${s.gid} ${(s.mode & 0o777).toString(8)}`];
    }),
  );

test("the daemon as its own unprivileged user serves the store and files root's CLI writes", async () => {
  expect(process.getuid?.()).toBe(0); // chown, setpriv to another user; CI runs as root
  await using box = await sandbox();
  chmodSync(box.dir, 0o755); // the daemon's user reaches the binary, its store and the cluster folder
  const state = join(box.dir, "lib");
  mkdirSync(state, { mode: 0o750 });
  chownSync(state, NOBODY, NOBODY); // what self-install does for luna
  const store = `sqlite:${join(state, "luna.db")}`;
  const image = box.imageTree("6.1.0-13-amd64");
  chmodSync(join(image, "boot", "vmlinuz-6.1.0-13-amd64"), 0o600);
  writeFileSync(join(box.dir, "initrd.img"), "INITRD", { mode: 0o600 });
  const port = await freePort();
  const admin = await box.sh(`set -e; umask 077; export LUNA_STORE=${store}
luna cluster init
luna cluster change --frontend_address 127.0.0.1 --frontend_port ${port} --path ${join(box.dir, "opt", "luna")}
luna osimage add -n compute -p ${image}
luna network add -n cluster -N 10.30.0.0 -P 16
luna group add -n compute -i enp7s0 -o compute
luna osimage pack -n compute --initrdfile ${join(box.dir, "initrd.img")}`);
  expect(admin.stderr).toContain("creating compute-1.torrent");
  expect(admin.code).toBe(0);
  expect(owners(state)).toEqual({ "luna.db": `${NOBODY}:${NOBODY} 600` });
  const opt = join(box.dir, "opt", "luna");
  for (const d of [opt, join(opt, "boot"), join(opt, "torrents")])
    expect(statSync(d).mode & 0o777).toBe(0o755);
  for (const d of ["boot", "torrents"])
    for (const [f, o] of Object.entries(owners(join(opt, d)))) expect(`${d}/${f} ${o}`).toEndWith(" 644");

  const daemon = Bun.spawn(
    [
      "setpriv",
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      "--clear-groups",
      "--no-new-privs",
      "--inh-caps=-all",
      "--bounding-set=-all",
      join(box.dir, "bin", "luna"),
      "daemon",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
    ],
    {
      cwd: box.dir,
      env: { PATH: "/usr/bin:/bin", HOME: box.dir, LUNA_STORE: store, LUNA_CONFIG: "" },
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const output = new Response(daemon.stderr).text();
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor("the daemon to answer", async () => {
      if (daemon.exitCode !== null) throw new Error(`daemon exited ${daemon.exitCode}: ${await output}`);
      return (await fetch(`${base}/luna?step=boot`).catch(() => undefined))?.status === 200;
    });
    expect(readFileSync(`/proc/${daemon.pid}/status`, "utf8")).toMatch(/^Uid:\s+65534\s/m);
    const kernel = await fetch(`${base}/boot/compute-vmlinuz-6.1.0-13-amd64`);
    expect(kernel.status).toBe(200);
    expect(await kernel.text()).toBe("kernel");
    expect(await (await fetch(`${base}/boot/compute-initramfs-6.1.0-13-amd64`)).text()).toBe("INITRD");
    expect((await fetch(`${base}/torrents/compute-1.torrent`)).status).toBe(200);
    // root's CLI writes while the daemon holds the store open, and the daemon sees it
    expect(await (await fetch(`${base}/luna?step=boot`)).text()).not.toContain("127.0.0.1:7777");
    const change = await box.sh(`umask 077; LUNA_STORE=${store} luna cluster change --frontend_port 7777`);
    expect(change.code).toBe(0);
    expect(await (await fetch(`${base}/luna?step=boot`)).text()).toContain("127.0.0.1:7777");
    for (const [f, o] of Object.entries(owners(state)))
      expect(`${f} ${o}`).toBe(`${f} ${NOBODY}:${NOBODY} 600`);
  } finally {
    daemon.kill("SIGTERM");
    await daemon.exited;
  }
  expect(daemon.exitCode).toBe(0);
  // root's CLI alone on the store (its own -wal/-shm), then the daemon's user opens it again
  const list = await box.sh(`umask 077; LUNA_STORE=${store} luna osimage list`);
  expect(list.code).toBe(0);
  for (const [f, o] of Object.entries(owners(state)))
    expect(`${f} ${o}`).toBe(`${f} ${NOBODY}:${NOBODY} 600`);
  const again = Bun.spawnSync(
    [
      "setpriv",
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      "--clear-groups",
      join(box.dir, "bin", "luna"),
      "group",
      "change",
      "-n",
      "compute",
      "--seed_tail",
      "43",
    ],
    { cwd: box.dir, env: { PATH: "/usr/bin:/bin", HOME: box.dir, LUNA_STORE: store, LUNA_CONFIG: "" } },
  );
  expect(again.stderr.toString()).toBe("");
  expect(again.exitCode).toBe(0);
});
