/**
 * Runs a command to completion and collects what it printed: the one way luna, its scripts and
 * its tests run a program and wait for it (long-running children such as aria2c, the tar
 * pipeline or an editor on the terminal use Bun.spawn directly). `timeoutMs` kills the program
 * (SIGKILL) when it overruns, so a hung tool cannot hang a command, the daemon or a test run;
 * the result then says so in `timedOut`. `signal` kills it when aborted (a deadline).
 */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Text for the program's standard input; without it stdin is closed. */
  stdin?: string;
  timeoutMs?: number;
  /** kills the program (SIGKILL) when aborted */
  signal?: AbortSignal;
}

/** What both forms give Bun: stdin text or closed, output collected. */
const spawnOptions = (opts: ExecOptions) => ({
  cwd: opts.cwd,
  env: opts.env,
  stdin: opts.stdin === undefined ? ("ignore" as const) : new TextEncoder().encode(opts.stdin),
  stdout: "pipe" as const,
  stderr: "pipe" as const,
});

export async function exec(cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const proc = Bun.spawn(cmd, spawnOptions(opts));
  let timedOut = false;
  const timer =
    opts.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          proc.kill("SIGKILL");
        }, opts.timeoutMs);
  const kill = () => proc.kill("SIGKILL");
  if (opts.signal?.aborted) kill();
  else opts.signal?.addEventListener("abort", kill, { once: true });
  try {
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { code, stdout, stderr, timedOut };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", kill);
  }
}

/**
 * The same, blocking, for the synchronous steps of the CLI (checking a generated file,
 * reloading a service, mounting): a program that cannot start (not installed) gives code 127
 * and the reason in stderr, as a shell would.
 */
export function execSync(cmd: string[], opts: Omit<ExecOptions, "signal"> = {}): ExecResult {
  try {
    const r = Bun.spawnSync(cmd, { ...spawnOptions(opts), timeout: opts.timeoutMs, killSignal: "SIGKILL" });
    return {
      code: r.exitCode ?? -1,
      stdout: r.stdout.toString(),
      stderr: r.stderr.toString(),
      timedOut: r.exitedDueToTimeout === true,
    };
  } catch (e) {
    return { code: 127, stdout: "", stderr: (e as Error).message, timedOut: false };
  }
}
