/**
 * The install step (luna-install-lib.sh) against a real HTTP server on port 0: the node's
 * shell fetches `?step=install&node=…` with the real curl and runs what it gets with bash,
 * retrying fetches and failed installs a bounded number of times. LUNA_PAUSE=0 makes every
 * backoff 0 s, so nothing here waits; the backoff itself is checked on its own.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fakeDaemon, runNodeShell, runNodeShellAsync, SHELLS, tempDir } from "../../helpers/node-shell.ts";

const ok = (body: string) => ({ status: 200, body: `#!/bin/bash\n${body}\n` });
const WRITES_ROOT = ok('echo "installed $LUNA_NODE" > "$LUNA_ROOT/marker"; exit 0');

for (const shell of SHELLS) {
  describe(`luna_install under ${shell}`, () => {
    async function install(url: string, dir: string, env: Record<string, string> = {}) {
      mkdirSync(join(dir, "root"), { recursive: true });
      return runNodeShellAsync(shell, "luna_install", {
        source: ["luna-lib.sh", "luna-install-lib.sh"],
        env: {
          LUNA_URL: url,
          LUNA_NODE: "node001",
          LUNA_RUN_DIR: dir,
          LUNA_ROOT: join(dir, "root"),
          LUNA_PAUSE: "0",
          ...env,
        },
      });
    }

    test("fetches the node's script once and runs it with bash on LUNA_ROOT", async () => {
      using dir = tempDir();
      using d = fakeDaemon([WRITES_ROOT]);
      const r = await install(d.url, dir.path);
      expect(r.code).toBe(0);
      expect(d.seen).toEqual(["?step=install&node=node001"]);
      expect(readFileSync(join(dir.path, "root/marker"), "utf8")).toBe("installed node001\n");
      expect(r.stderr).toBe("luna: running the install script for node001 (attempt 1 of 3)\n");
    });

    test("runs the install again after a failure, fetching the script anew", async () => {
      using dir = tempDir();
      using d = fakeDaemon([ok("exit 3"), WRITES_ROOT]);
      const r = await install(d.url, dir.path);
      expect(r.code).toBe(0);
      expect(d.seen).toHaveLength(2);
      expect(r.stderr).toContain("luna: the install script failed (status 3); trying again in 0 s");
      expect(existsSync(join(dir.path, "root/marker"))).toBe(true);
    });

    test("gives up after LUNA_INSTALL_TRIES failed installs", async () => {
      using dir = tempDir();
      using d = fakeDaemon([ok("exit 7")]);
      const r = await install(d.url, dir.path, { LUNA_INSTALL_TRIES: "2" });
      expect(r.code).toBe(1);
      expect(d.seen).toHaveLength(2);
      expect(r.stderr).toContain("luna: the install script failed (status 7) 2 times; giving up");
    });

    test("keeps asking while the daemon does not know the node yet (404), then installs", async () => {
      using dir = tempDir();
      using d = fakeDaemon([{ status: 404, body: "" }, { status: 404, body: "" }, WRITES_ROOT]);
      const r = await install(d.url, dir.path, { LUNA_FETCH_TRIES: "5" });
      expect(r.code).toBe(0);
      expect(d.seen).toHaveLength(3);
      expect(r.stderr).toContain("(try 2); next try in 0 s");
    });

    test("treats an empty answer as a failed fetch", async () => {
      using dir = tempDir();
      using d = fakeDaemon([{ status: 200, body: "" }]);
      const r = await install(d.url, dir.path, { LUNA_FETCH_TRIES: "2" });
      expect(r.code).toBe(1);
      expect(d.seen).toHaveLength(2);
      expect(r.stderr).toContain("luna: gave up getting the install script from");
    });

    test("gives up after LUNA_FETCH_TRIES when nothing listens", async () => {
      using dir = tempDir();
      let url: string;
      {
        using d = fakeDaemon([WRITES_ROOT]);
        url = d.url;
      }
      const r = await install(url, dir.path, { LUNA_FETCH_TRIES: "2" });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        `luna: gave up getting the install script from ${url}?step=install&node=node001 after 2 tries`,
      );
    });
  });
}

describe("luna_backoff_seconds", () => {
  // attempt → [least, most] with LUNA_PAUSE=4, LUNA_PAUSE_MAX=60: 4·2^(n-1) capped, half fixed.
  const CASES: [number, number, number][] = [
    [1, 2, 4],
    [2, 4, 8],
    [3, 8, 16],
    [4, 16, 32],
    [5, 30, 60],
    [12, 30, 60],
  ];
  for (const [attempt, least, most] of CASES) {
    test(`stays within [${least}, ${most}] s after attempt ${attempt} and varies`, () => {
      const r = runNodeShell(
        "sh",
        `i=0; while [ $i -lt 24 ]; do luna_backoff_seconds ${attempt}; i=$((i + 1)); done`,
        {
          source: ["luna-lib.sh", "luna-install-lib.sh"],
          env: { LUNA_PAUSE: "4", LUNA_PAUSE_MAX: "60" },
        },
      );
      expect(r.code).toBe(0);
      const values = r.stdout.trim().split("\n").map(Number);
      expect(values).toHaveLength(24);
      expect(Math.min(...values)).toBeGreaterThanOrEqual(least);
      expect(Math.max(...values)).toBeLessThanOrEqual(most);
      expect(new Set(values).size).toBeGreaterThan(1);
    });
  }
});

describe("luna_root_problem", () => {
  const check = (root: string, cmdline = "") =>
    runNodeShell("sh", `luna_root_problem "${root}"`, {
      source: ["luna-lib.sh", "luna-install-lib.sh"],
      cmdline,
    });

  test("accepts a tree with /etc, /usr and an /sbin/init symlink into the image", () => {
    using dir = tempDir();
    for (const d of ["etc", "usr/sbin", "usr/lib/systemd"]) mkdirSync(join(dir.path, d), { recursive: true });
    symlinkSync("usr/sbin", join(dir.path, "sbin"));
    symlinkSync("/lib/systemd/systemd", join(dir.path, "usr/sbin/init"));
    const r = check(dir.path);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
  });

  test("accepts the init= of the command line", () => {
    using dir = tempDir();
    for (const d of ["etc", "usr", "opt"]) mkdirSync(join(dir.path, d));
    writeFileSync(join(dir.path, "opt/init"), "#!/bin/sh\n", { mode: 0o755 });
    expect(check(dir.path).stdout).toBe("no init (/sbin/init)\n");
    expect(check(dir.path, "init=/opt/init").code).toBe(0);
  });

  test("names what is missing", () => {
    using dir = tempDir();
    expect(check(dir.path)).toEqual({ code: 1, stdout: "no /etc\n", stderr: "" });
    mkdirSync(join(dir.path, "etc"));
    expect(check(dir.path)).toEqual({ code: 1, stdout: "no /usr\n", stderr: "" });
  });
});
