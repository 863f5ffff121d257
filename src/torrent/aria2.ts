/**
 * One aria2c process driven over its JSON-RPC interface (https://aria2.github.io/manual/en/html/aria2c.html#rpc-interface):
 * the engine behind the head node's seeder. One process seeds every torrent on one BitTorrent
 * port, so the upload limit is one global limit and torrents are added and removed without a
 * restart. The RPC server listens on loopback only, with a random secret.
 *
 * The secret never goes on aria2c's command line: /proc/PID/cmdline is world-readable, and
 * aria2c masks --rpc-secret in its own argv only after it has started, so a local user polling
 * /proc would catch it and drive the (possibly root) aria2c, which writes files. Nor into its
 * environment. It goes into a config file (--conf-path) created 0600 in a fresh 0700 folder,
 * removed as soon as aria2c answers on RPC (it reads the file once, at start) or fails to.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Aria2Options {
  host: string;
  port: number;
  rpcPort: number;
  /** 20 bytes: aria2c uses the prefix as the whole peer id when it is 20 bytes long */
  peerId: string;
  uploadLimit: number;
  aria2c?: string;
}

export interface Aria2 {
  proc: ReturnType<typeof Bun.spawn>;
  call<T>(method: string, ...params: unknown[]): Promise<T>;
  /** the last lines aria2c wrote to stderr, for error messages */
  tail(): string;
  /** forceShutdown over RPC (no "stopped" announces to a tracker that may be gone), then SIGKILL */
  close(): Promise<void>;
}

/** aria2c's config file: the RPC options, the secret among them (one `name=value` a line). */
export function aria2Conf(o: Aria2Options, secret: string): string {
  return `enable-rpc=true\nrpc-listen-all=false\nrpc-listen-port=${o.rpcPort}\nrpc-secret=${secret}\n`;
}

/**
 * Writes `text` to aria2.conf in a new folder under `parent`: the folder 0700 (mkdtemp), the
 * file created 0600 and exclusively (no following a planted file or link).
 */
export function writeSecretConf(parent: string, text: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(parent, "luna-aria2-"));
  const file = join(dir, "aria2.conf");
  writeFileSync(file, text, { mode: 0o600, flag: "wx" });
  return { dir, file };
}

/** The command line: nothing secret in it (see the top of this file). */
export function aria2Args(o: Aria2Options, confPath: string): string[] {
  return [
    o.aria2c ?? "aria2c",
    // Also keeps aria2c from reading ~/.aria2/aria2.conf, whatever that holds.
    `--conf-path=${confPath}`,
    // Torrents arrive over RPC; by default aria2c would save each as <infohash>.torrent in dir.
    "--rpc-save-upload-metadata=false",
    // A .torrent of a large image with 1 MiB pieces is 20 bytes per piece; allow big images.
    "--rpc-max-request-size=64M",
    // Only 5 downloads are active by default; the others would wait in a queue and not seed.
    "--max-concurrent-downloads=100000",
    // --interface binds both the listening socket and outgoing connections to one address.
    `--interface=${o.host}`,
    `--listen-port=${o.port}`,
    `--peer-id-prefix=${o.peerId}`,
    "--enable-dht=false",
    "--enable-dht6=false",
    "--bt-enable-lpd=false",
    "--enable-peer-exchange=false",
    // The tarball was written by our packer: seed it without hashing it first.
    "--bt-seed-unverified=true",
    "--check-integrity=false",
    // Seed for ever (no ratio, no seed time); never rename or overwrite a tarball.
    "--seed-ratio=0.0",
    "--auto-file-renaming=false",
    "--allow-overwrite=false",
    "--file-allocation=none",
    "--bt-max-peers=200",
    "--bt-tracker-interval=5",
    `--max-overall-upload-limit=${o.uploadLimit}`,
    // Exit with us even when we are killed without a chance to stop it.
    `--stop-with-process=${process.pid}`,
    "--summary-interval=0",
    "--console-log-level=error",
    "--show-console-readout=false",
  ];
}

const TAIL = 4096;
const RPC_TIMEOUT_MS = 3000;

/** Starts aria2c and resolves once its RPC answers; rejects (and kills it) if it does not. */
export async function startAria2(o: Aria2Options, readyMs = 10_000): Promise<Aria2> {
  const secret = randomBytes(16).toString("hex");
  // systemd's RuntimeDirectory (luna.service) when set, else the temp folder
  const conf = writeSecretConf(process.env.RUNTIME_DIRECTORY || tmpdir(), aria2Conf(o, secret));
  const removeConf = () => rmSync(conf.dir, { recursive: true, force: true });
  let proc: ReturnType<typeof Bun.spawn>;
  try {
    proc = Bun.spawn(aria2Args(o, conf.file), { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  } catch (e) {
    removeConf();
    throw e;
  }
  let tail = "";
  // aria2c prints errors on stdout as well as stderr. Drain both always: an unread pipe fills
  // up and blocks aria2c.
  for (const stream of [proc.stdout, proc.stderr]) {
    void (async () => {
      const dec = new TextDecoder();
      for await (const chunk of stream as ReadableStream<Uint8Array>)
        tail = (tail + dec.decode(chunk)).slice(-TAIL);
    })().catch(() => {});
  }
  let id = 0;
  const url = `http://127.0.0.1:${o.rpcPort}/jsonrpc`;
  // A bounded wait: a hung aria2c (SIGSTOP in the fault test) must not hang scans or stop().
  const call = async <T>(method: string, ...params: unknown[]): Promise<T> => {
    const res = await fetch(url, {
      signal: AbortSignal.timeout(RPC_TIMEOUT_MS),
      method: "POST",
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: [`token:${secret}`, ...params] }),
    });
    const body = (await res.json()) as { result?: T; error?: { message: string } };
    if (body.error) throw new Error(`aria2c ${method}: ${body.error.message}`);
    return body.result as T;
  };
  const close = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      await call("aria2.forceShutdown").catch(() => {});
      const killer = setTimeout(() => proc.kill("SIGKILL"), 3000);
      await proc.exited;
      clearTimeout(killer);
    }
  };
  const engine: Aria2 = { proc, call, tail: () => tail.trim(), close };
  const deadline = Date.now() + readyMs;
  try {
    return await ready(engine, o.rpcPort, deadline);
  } finally {
    removeConf();
  }
}

/** Resolves once aria2c answers on RPC; rejects (and kills it) when it exits or the deadline passes. */
async function ready(engine: Aria2, rpcPort: number, deadline: number): Promise<Aria2> {
  const proc = engine.proc;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      await proc.exited;
      throw new Error(
        `aria2c exited (${proc.exitCode ?? proc.signalCode}): ${engine.tail() || "no message"}`,
      );
    }
    try {
      await engine.call("aria2.getVersion");
      return engine;
    } catch {
      if (Date.now() > deadline) {
        proc.kill("SIGKILL");
        throw new Error(`aria2c did not answer on its RPC port ${rpcPort}: ${engine.tail()}`);
      }
      await Bun.sleep(20);
    }
  }
}

/** A port we can bind on `host` right now (0 = any); undefined when none in the list is free. */
export function freePort(host: string, candidates: number[]): number | undefined {
  for (const port of candidates) {
    try {
      const l = Bun.listen({ hostname: host, port, socket: { data() {} } });
      const got = l.port;
      l.stop(true);
      return got;
    } catch {
      // in use, or the address is not ours
    }
  }
  return undefined;
}
