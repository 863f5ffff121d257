/**
 * `luna daemon` with `[tftp] enabled = true` serves the iPXE ROMs itself: the compiled binary,
 * a config file, and Debian's tftp-hpa client fetching a ROM from it.
 */
import { expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sandbox } from "../helpers/luna.ts";

test("the daemon serves the tftp root when the config enables it, and only then", async () => {
  await using box = await sandbox();
  expect((await box.luna(["cluster", "init"])).code).toBe(0);
  const root = join(box.dir, "tftp");
  await Bun.$`mkdir -p ${root}`;
  const rom = new Uint8Array(3000).map((_, i) => i & 255);
  writeFileSync(join(root, "undionly.kpxe"), rom);
  const conf = join(box.dir, "luna.conf");
  writeFileSync(
    conf,
    `[snmp]\nenabled = false\n[tftp]\nenabled = true\nhost = "127.0.0.1"\nport = 0\nroot = "${root}"\n`,
  );
  const daemon = Bun.spawn(
    [join(box.dir, "bin", "luna"), "--config", conf, "daemon", "--host", "127.0.0.1", "--port", "0"],
    {
      env: { ...process.env, LUNA_STORE: `sqlite:${box.store}`, LUNA_CONFIG: "" },
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  try {
    let log = "";
    const reader = daemon.stderr.getReader();
    let port = 0;
    for (let i = 0; i < 200 && !port; i++) {
      const { value, done } = await reader.read();
      if (done) break;
      log += new TextDecoder().decode(value);
      port = Number(/tftp listening on 127\.0\.0\.1:(\d+)/.exec(log)?.[1] ?? 0);
    }
    expect(port).toBeGreaterThan(0);
    const out = join(box.dir, "rom.out");
    const get = Bun.spawn([
      "tftp",
      "-m",
      "binary",
      "127.0.0.1",
      String(port),
      "-c",
      "get",
      "undionly.kpxe",
      out,
    ]);
    expect(await get.exited).toBe(0);
    expect(new Uint8Array(readFileSync(out))).toEqual(rom);
  } finally {
    daemon.kill();
    await daemon.exited;
  }
});
