/**
 * src/lib/exec.ts and pid.ts: a program's output and status, a timeout or an aborted signal
 * that kills it (SIGKILL, so a program ignoring SIGTERM stops too), a program that does not
 * exist, and whether a pid is alive.
 */
import { expect, test } from "bun:test";
import { exec, execSync } from "../../src/lib/exec.ts";
import { isAlive } from "../../src/lib/pid.ts";

const STUBBORN = ["sh", "-c", "trap '' TERM; echo started; exec sleep 60"];

test("exec returns what the program printed and its exit status", async () => {
  const r = await exec(["sh", "-c", "cat; echo err >&2; exit 3"], { stdin: "in\n" });
  expect(r).toEqual({ code: 3, stdout: "in\n", stderr: "err\n", timedOut: false });
});

test("exec kills a program that overruns its timeout", async () => {
  const started = performance.now();
  const r = await exec(STUBBORN, { timeoutMs: 200 });
  expect(r.timedOut).toBe(true);
  expect(r.code).not.toBe(0);
  expect(performance.now() - started).toBeLessThan(30_000);
});

test("exec kills the program when its signal aborts, also when aborted before it starts", async () => {
  const ac = new AbortController();
  const running = exec(STUBBORN, { signal: ac.signal });
  ac.abort();
  expect((await running).code).not.toBe(0);
  expect((await exec(STUBBORN, { signal: ac.signal })).code).not.toBe(0);
});

test("execSync returns output and status, kills on timeout, and gives 127 for a missing program", () => {
  expect(execSync(["sh", "-c", "echo out; exit 2"])).toEqual({
    code: 2,
    stdout: "out\n",
    stderr: "",
    timedOut: false,
  });
  const slow = execSync(STUBBORN, { timeoutMs: 200 });
  expect(slow.timedOut).toBe(true);
  expect(slow.code).not.toBe(0);
  const missing = execSync(["/nonexistent/luna-no-such-tool"]);
  expect(missing.code).toBe(127);
  expect(missing.stderr).not.toBe("");
});

test("isAlive tells a running process from one that has exited", async () => {
  expect(isAlive(process.pid)).toBe(true);
  const child = Bun.spawn(["true"]);
  await child.exited;
  expect(isAlive(child.pid)).toBe(false);
});
