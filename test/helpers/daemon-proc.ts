/**
 * A `luna daemon` of the compiled binary in a sandbox, on 127.0.0.1 port 0, read from its JSON
 * log: the node-facing and admin ports it took, and every log line so far. Its stderr is read
 * to the end, so a chatty daemon never blocks on a full pipe.
 */
import { join } from "node:path";
import type { Sandbox } from "./luna.ts";

export interface DaemonProc extends AsyncDisposable {
  /** the node-facing port */
  port: number;
  /** the admin listener's base URL, when it listens */
  admin?: string;
  log(): string;
}

/** Starts the daemon with `global` options before `daemon` and `args` after it. */
export async function startDaemon(
  box: Sandbox,
  o: { global?: string[]; args?: string[]; last?: "http" | "admin"; env?: Record<string, string> } = {},
): Promise<DaemonProc> {
  const proc = Bun.spawn(
    [
      join(box.dir, "bin", "luna"),
      ...(o.global ?? []),
      "daemon",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      ...(o.args ?? []),
    ],
    {
      env: { ...process.env, LUNA_STORE: `sqlite:${box.store}`, LUNA_CONFIG: "", ...o.env },
      stdout: "ignore",
      stderr: "pipe",
    },
  );
  let text = "";
  let ended = false;
  let wake = () => {};
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) {
      text += decoder.decode(chunk);
      wake();
    }
    ended = true;
    wake();
  })();
  const up = new RegExp(`"msg":"service ${o.last ?? "admin"} started"`);
  while (!up.test(text)) {
    if (ended) throw new Error(`luna daemon ended before its services started:\n${text}`);
    await new Promise<void>((r) => {
      wake = r;
    });
  }
  const port = Number(/"msg":"listening on http:\/\/[^:]+:(\d+)"/.exec(text)?.[1]);
  const admin = /"msg":"admin listening on (http:\/\/[^"]+)"/.exec(text)?.[1];
  return {
    port,
    ...(admin ? { admin } : {}),
    log: () => text,
    async [Symbol.asyncDispose]() {
      proc.kill();
      await proc.exited;
    },
  };
}
