/**
 * The seeder inside a `bun build --compile` binary, run from an empty folder (no
 * node_modules) against the test's SQLite store: Debian's aria2c downloads a packed image from
 * it through our tracker with the web seed dead, SIGTERM stops it with its aria2c, and a
 * SIGKILLed binary does not leave its aria2c behind (`--stop-with-process`).
 */
import { expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PeerOut } from "../../src/torrent/announce.ts";
import { ariaLeech, sha256File, startSwarm, waitFor } from "../helpers/swarm.ts";

const ROOT = join(import.meta.dir, "..", "..");

function pidByPeerId(peerid: string): number | undefined {
  const needle = `--peer-id-prefix=${Buffer.from(peerid, "hex").toString()}`;
  for (const d of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0").includes(needle)) return Number(d);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

async function startBinary(bin: string, db: string) {
  const proc = Bun.spawn([bin, db, "127.0.0.1"], { cwd: join(bin, ".."), stdout: "pipe", stderr: "pipe" });
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let out = "";
  const killer = setTimeout(() => proc.kill("SIGKILL"), 30_000);
  while (!out.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    out += new TextDecoder().decode(value);
  }
  clearTimeout(killer);
  const line = out.split("\n")[0] ?? "";
  if (!line.startsWith("READY "))
    throw new Error(`seeder binary: ${out} ${await new Response(proc.stderr).text()}`);
  const peer = (JSON.parse(line.slice(6)) as { peer: PeerOut }).peer;
  return { proc, peer };
}

test("a compiled binary seeds to aria2c and takes its aria2c with it when it ends", async () => {
  let peer: PeerOut | undefined;
  await using swarm = await startSwarm({
    mib: 16,
    webSeed: false,
    noSeeder: true,
    seeders: () => (peer ? [peer] : []),
  });
  const dir = mkdtempSync(join(tmpdir(), "luna-seeder-bin-"));
  const procs: ReturnType<typeof Bun.spawn>[] = [];
  try {
    const build = Bun.spawnSync(
      [
        process.execPath,
        "build",
        "--compile",
        "test/torrent/seeder-main.ts",
        "--outfile",
        join(dir, "build", "seeder"),
      ],
      { cwd: ROOT },
    );
    expect(build.exitCode, build.stderr.toString()).toBe(0);
    mkdirSync(join(dir, "run"));
    copyFileSync(join(dir, "build", "seeder"), join(dir, "run", "seeder"));
    Bun.spawnSync(["chmod", "755", join(dir, "run", "seeder")]);
    const bin = join(dir, "run", "seeder");
    const db = join(swarm.fx.dir, "luna.db");

    const first = await startBinary(bin, db);
    procs.push(first.proc);
    peer = first.peer;
    expect(peer.ip).toBe("127.0.0.1");
    const r = await ariaLeech(swarm.torrentUrl, join(dir, "leech"));
    expect(r.code, r.output).toBe(0);
    expect(await sha256File(join(dir, "leech", swarm.version.tarball))).toBe(swarm.sha256);
    const aria = pidByPeerId(peer.peerid) as number;
    expect(aria).toBeNumber();
    first.proc.kill("SIGTERM");
    expect(await first.proc.exited).toBe(0);
    expect(existsSync(`/proc/${aria}`)).toBe(false);

    const second = await startBinary(bin, db);
    procs.push(second.proc);
    const orphan = pidByPeerId(second.peer.peerid) as number;
    expect(orphan).toBeNumber();
    second.proc.kill("SIGKILL");
    await second.proc.exited;
    // aria2c checks the pid given by --stop-with-process about once a second.
    await waitFor("aria2c to follow its parent", () => !existsSync(`/proc/${orphan}`), 15_000);
  } finally {
    for (const p of procs) p.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
