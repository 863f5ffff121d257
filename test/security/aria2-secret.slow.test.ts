/**
 * Issue 13, item 3: the aria2c head-node seeder's RPC secret must not reach other local users.
 * Any local user can read /proc/PID/cmdline of a running aria2c (and the owner and root its
 * /proc/PID/environ); the secret must be in neither, from the first instant. It travels in a
 * 0600 config file in a 0700 folder that is gone once aria2c has read it; RPC listens on
 * loopback only and answers only with that secret; and the seeder still seeds.
 */
import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { writeSecretConf } from "../../src/torrent/aria2.ts";
import { ariaLeech, seederPid, sha256File, socketsOf, startSwarm } from "../helpers/swarm.ts";

/**
 * An aria2c wrapper that records what any local user could read in /proc/PID/cmdline (and what
 * root reads in /proc/PID/environ) from the moment aria2c is started — aria2c masks
 * --rpc-secret in its own argv only later, so the wrapper sees the window a poller would — and
 * a copy of the config file with its mode, then execs the real aria2c (same pid, same argv).
 */
function recordingAria2c(dir: string): string {
  const path = join(dir, "aria2c");
  writeFileSync(
    path,
    `#!/bin/sh
rec=${dir}/seen
printf '%s\\n' "$@" > "$rec.argv"
env > "$rec.env"
for a in "$@"; do
  case $a in
  --conf-path=*)
    f=\${a#--conf-path=}
    cp "$f" "$rec.conf"
    stat -c %a "$f" > "$rec.mode"
    stat -c %a "$(dirname "$f")" > "$rec.dirmode"
    ;;
  esac
done
exec aria2c "$@"
`,
    { mode: 0o755 },
  );
  return path;
}

async function rpc(port: number, token: string | undefined): Promise<boolean> {
  const params = token === undefined ? [] : [`token:${token}`];
  const res = await fetch(`http://127.0.0.1:${port}/jsonrpc`, {
    method: "POST",
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "aria2.getVersion", params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  return body.result !== undefined;
}

test("the aria2c seeder's RPC secret is in no argv or environment, and RPC listens on loopback only", async () => {
  const rec = mkdtempSync(join(tmpdir(), "luna-aria2-rec-"));
  try {
    await using swarm = await startSwarm({
      mib: 2,
      webSeed: false,
      seeder: { rescanMs: 50, aria2c: recordingAria2c(rec) },
    });
    const peer = swarm.seeder.peer();
    const pid = seederPid(peer?.peerid ?? "") as number;
    expect(pid).toBeNumber();
    const seen = (what: string) => readFileSync(join(rec, `seen.${what}`), "utf8");

    // what other users could read: nothing secret, and no secret option at all
    const argv = seen("argv");
    expect(argv).toContain("--peer-id-prefix=");
    expect(argv).not.toMatch(/secret|token/i);
    expect(seen("env")).not.toMatch(/secret|token/i);
    // the secret came in a 0600 file in a 0700 folder, both gone once aria2c read them
    const secret = /^rpc-secret=([0-9a-f]{32})$/m.exec(seen("conf"))?.[1] as string;
    expect(secret).toBeString();
    expect(argv).not.toContain(secret);
    expect(seen("env")).not.toContain(secret);
    expect(readFileSync(`/proc/${pid}/cmdline`, "utf8")).not.toContain(secret);
    expect(readFileSync(`/proc/${pid}/environ`, "utf8")).not.toContain(secret);
    expect(seen("mode").trim()).toBe("600");
    expect(seen("dirmode").trim()).toBe("700");
    const conf = /^--conf-path=(.*)$/m.exec(argv)?.[1] as string;
    expect(existsSync(conf)).toBe(false);
    expect(existsSync(dirname(conf))).toBe(false);

    // RPC listens on loopback only (aria2c opens IPv4 and IPv6) and needs the secret
    const rpcs = socketsOf(pid).filter((s) => s.listening && s.port !== peer?.port);
    expect(rpcs.length).toBeGreaterThan(0);
    expect(rpcs.filter((s) => !["127.0.0.1", "::1"].includes(s.ip))).toEqual([]);
    const rpcPort = rpcs[0]?.port as number;
    expect(await rpc(rpcPort, secret)).toBe(true);
    expect(await rpc(rpcPort, undefined)).toBe(false);

    // and RPC still drives it: the seeder seeds (no web seed, so the bytes came over BitTorrent)
    const dir = join(rec, "leech");
    const r = await ariaLeech(swarm.torrentUrl, dir);
    expect(r.code, r.output).toBe(0);
    expect(await sha256File(join(dir, swarm.version.tarball))).toBe(swarm.sha256);
  } finally {
    rmSync(rec, { recursive: true, force: true });
  }
});

test("writeSecretConf writes the config 0600 in a fresh 0700 folder whatever the umask", () => {
  const parent = mkdtempSync(join(tmpdir(), "luna-aria2-conf-"));
  const old = process.umask(0);
  try {
    const { dir, file } = writeSecretConf(parent, "rpc-secret=abc\n");
    expect(dirname(file)).toBe(dir);
    expect(dirname(dir)).toBe(parent);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toBe("rpc-secret=abc\n");
  } finally {
    process.umask(old);
    rmSync(parent, { recursive: true, force: true });
  }
});
