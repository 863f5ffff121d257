/**
 * What the emulated network carries with plain bulk TCP, no BitTorrent: every node sends to the
 * next `fanout` nodes round the ring at once (so every node also receives `fanout` flows), and
 * each node's received bytes over a window give its downlink's rate. A swarm that leaves node
 * links idle is then measured against what the same links carry, not against their nominal
 * rate (docs/benchmarks.md, "Boot storm: sixth pass": 16 nodes at 3 Mbit/s, fanout 4 and 8,
 * every downlink at 2.99-3.02 Mbit/s of IP bytes).
 *
 * The flows are this file run as a child inside each node's namespace (`serve`: discard what
 * arrives; `send IP...`: write 16 KiB blocks to each address until killed), under the same Bun.
 */
import { createNet, nsCounter } from "./netns.ts";

export interface LinkCheckOptions {
  nodes: number;
  fanout: number;
  mbit: number;
  /** seconds measured, after one second for the flows to start (default 10) */
  seconds?: number;
  id?: string;
}

export interface LinkCheckResult {
  /** IP bytes each node received per second over the window, in Mbit/s, in node order */
  rxMbit: number[];
  seconds: number;
}

const PORT = 9009;
const BLOCK = new Uint8Array(16 * 1024);

/** What is wrong with the options, as one line, or undefined (the CLI and runLinkCheck share it). */
export function linkCheckError(o: LinkCheckOptions): string | undefined {
  if (!(Number.isInteger(o.nodes) && o.nodes >= 2))
    return `--nodes takes a whole number ≥ 2 (got ${o.nodes})`;
  if (!(Number.isInteger(o.fanout) && o.fanout >= 1))
    return `--fanout takes a whole number ≥ 1 (got ${o.fanout})`;
  if (o.fanout >= o.nodes) return `--fanout must be less than --nodes (${o.nodes})`;
  return undefined;
}

export async function runLinkCheck(o: LinkCheckOptions): Promise<LinkCheckResult> {
  const wrong = linkCheckError(o);
  if (wrong) throw new Error(wrong);
  const seconds = o.seconds ?? 10;
  const net = await createNet({
    id: o.id ?? `lc${process.pid % 10000}`,
    nodes: o.nodes,
    nodeMbit: o.mbit,
    headMbit: o.mbit,
  });
  const kids: ReturnType<typeof Bun.spawn>[] = [];
  const run = (ns: string, args: string[]) => {
    const p = Bun.spawn(["ip", "netns", "exec", ns, process.execPath, import.meta.path, ...args], {
      stdout: "ignore",
      stderr: "inherit",
    });
    kids.push(p);
    return p;
  };
  try {
    const servers = net.nodes.map((n) => run(n.ns, ["serve"]));
    // A sender retries its connects for a while, so no wait for the listeners is needed here.
    net.nodes.forEach((n, i) => {
      const to = Array.from({ length: o.fanout }, (_, j) => net.nodes[(i + 1 + j) % o.nodes]?.ip ?? n.ip);
      run(n.ns, ["send", ...to]);
    });
    await Bun.sleep(1000);
    const pids = servers.map((s) => s.pid);
    const rx = () => Promise.all(pids.map((pid) => nsCounter(pid, "rx")));
    const a = await rx();
    const t0 = performance.now();
    await Bun.sleep(seconds * 1000);
    const b = await rx();
    const dt = (performance.now() - t0) / 1000;
    return { rxMbit: b.map((x, i) => ((x - (a[i] ?? x)) * 8) / dt / 1e6), seconds: dt };
  } finally {
    for (const k of kids) k.kill();
    await Promise.all(kids.map((k) => k.exited));
    await net.destroy();
  }
}

async function serve() {
  Bun.listen({ hostname: "0.0.0.0", port: PORT, socket: { data() {} } });
}

async function send(ips: string[]) {
  const flow = async (ip: string) => {
    for (let tries = 0; tries < 50; tries++) {
      try {
        let writable: () => void = () => {};
        const sock = await Bun.connect({
          hostname: ip,
          port: PORT,
          socket: {
            data() {},
            drain() {
              writable();
            },
          },
        });
        for (;;) {
          const n = sock.write(BLOCK);
          if (n < 0) throw new Error("closed");
          if (n < BLOCK.length)
            await new Promise<void>((r) => {
              writable = r;
            });
        }
      } catch {
        await Bun.sleep(100);
      }
    }
  };
  await Promise.all(ips.map(flow));
}

if (import.meta.main) {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === "serve") await serve();
  else if (mode === "send") await send(rest);
  else {
    console.error("link-check.ts is started by runLinkCheck (scripts/link-check.ts)");
    process.exit(2);
  }
}
