/**
 * readPid trusts a pid file only while it names a live luna daemon: after a daemon was killed,
 * its number may belong to an unrelated process, which `lweb stop` must never signal.
 */
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readPid } from "../../src/runtime/control.ts";
import { tempDir } from "../helpers/node-shell.ts";

test("a pid file naming a process that is not a daemon is treated as stale", async () => {
  using dir = tempDir("luna-pid-");
  const pidfile = join(dir.path, "luna.pid");
  const other = Bun.spawn(["sleep", "60"]);
  // the same program with `daemon` among its arguments, as the daemon's command line has
  // bash waiting in its `read` builtin keeps this command line (it would exec a last `sleep`)
  const daemonLike = Bun.spawn(["bash", "-c", "echo ready; read -r _", "daemon"], {
    stdin: "pipe",
    stdout: "pipe",
  });
  try {
    // until bash has started, /proc shows the forking test runner's command line
    const reader = daemonLike.stdout.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("ready\n");
    reader.releaseLock();
    writeFileSync(pidfile, `${other.pid}\n`);
    expect(readPid(pidfile)).toBeUndefined();
    writeFileSync(pidfile, `${daemonLike.pid}\n`);
    expect(readPid(pidfile)).toBe(daemonLike.pid);
    writeFileSync(pidfile, "not a pid\n");
    expect(readPid(pidfile)).toBeUndefined();
  } finally {
    other.kill();
    daemonLike.kill();
    await Promise.all([other.exited, daemonLike.exited]);
  }
  writeFileSync(pidfile, `${daemonLike.pid}\n`);
  expect(readPid(pidfile)).toBeUndefined(); // gone
});
