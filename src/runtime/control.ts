/**
 * Background control of the daemon as the original `lweb`/`ltorrent start|stop|status` did:
 * a pid file names the one running daemon; start refuses a second one; stop sends SIGTERM and
 * waits (bounded) for a clean exit.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { AppError } from "../domain/errors.ts";
import { isAlive } from "../lib/pid.ts";

/**
 * A live luna daemon's pid from the pid file, or undefined. A pid file left by a daemon that was
 * killed can name a process that has since reused the number: on Linux, a pid whose command line
 * has no `daemon` word is not ours (stop must never signal it).
 */
export function readPid(pidfile: string): number | undefined {
  if (!existsSync(pidfile)) return undefined;
  const pid = Number(readFileSync(pidfile, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  let argv: string[] | undefined;
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    argv = undefined; // no /proc (or not ours to read): trust the pid file
  }
  return argv && !argv.includes("daemon") ? undefined : pid;
}

/** Claims the pid file for this process, refusing when another live daemon holds it. */
export function claimPidfile(pidfile: string): () => void {
  const other = readPid(pidfile);
  if (other && other !== process.pid) {
    throw new AppError(
      "CONFLICT",
      `luna daemon is already running (pid ${other}, ${pidfile})`,
      "Stop it first: luna daemon stop",
    );
  }
  mkdirSync(dirname(pidfile), { recursive: true });
  writeFileSync(pidfile, `${process.pid}\n`);
  return () => {
    if (
      readPid(pidfile) === process.pid ||
      !existsSync(pidfile) ||
      Number(readFileSync(pidfile, "utf8")) === process.pid
    ) {
      rmSync(pidfile, { force: true });
    }
  };
}

/** The command that runs this same program (compiled binary, or bun + script in development). */
export function selfCommand(): string[] {
  const script = process.argv[1];
  return script && !script.startsWith("/$bunfs") && /\.(ts|js)$/.test(script)
    ? [process.execPath, script]
    : [process.execPath];
}

const waitFor = async (what: () => boolean, ms: number): Promise<boolean> => {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (what()) return true;
    await Bun.sleep(50);
  }
  return what();
};

export async function startBackground(opts: {
  pidfile: string;
  logfile: string;
  args: string[];
}): Promise<number> {
  const running = readPid(opts.pidfile);
  if (running) throw new AppError("CONFLICT", `luna daemon is already running (pid ${running})`);
  mkdirSync(dirname(opts.logfile), { recursive: true });
  const fd = openSync(opts.logfile, "a", 0o640);
  const child = Bun.spawn([...selfCommand(), "daemon", "--pidfile", opts.pidfile, ...opts.args], {
    stdio: ["ignore", fd, fd],
    env: process.env,
    detached: true,
  });
  closeSync(fd);
  child.unref();
  const up = await waitFor(() => readPid(opts.pidfile) === child.pid || child.exitCode !== null, 15_000);
  if (!up || child.exitCode !== null) {
    throw new AppError(
      "EXTERNAL_COMMAND",
      `luna daemon did not start (exit ${child.exitCode ?? "?"})`,
      `See ${opts.logfile}`,
    );
  }
  return child.pid;
}

export async function stopBackground(pidfile: string): Promise<number | undefined> {
  const pid = readPid(pidfile);
  if (!pid) return undefined;
  process.kill(pid, "SIGTERM");
  if (!(await waitFor(() => !isAlive(pid), 20_000))) {
    throw new AppError(
      "EXTERNAL_COMMAND",
      `luna daemon (pid ${pid}) did not stop within 20 s`,
      `kill -9 ${pid} if it is stuck`,
    );
  }
  return pid;
}
