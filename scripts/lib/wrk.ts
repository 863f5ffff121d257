/**
 * Load with `wrk` (Debian's package), the tool the control-plane target was set with: one
 * thread, 64 connections, for a fixed time. The requests cycle through `paths` in order, so a
 * list built step by step over blocks of 64 nodes keeps 64 different nodes in flight at the
 * same stage. A Lua script embeds the paths and prints the figures wrk gathered.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { exec } from "../../src/lib/exec.ts";

export interface WrkResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

export const wrkInstalled = () => Bun.which("wrk") !== null;

export async function wrkLoad(
  dir: string,
  base: string,
  paths: string[],
  opts: { connections: number; seconds: number },
): Promise<WrkResult> {
  const script = join(dir, `wrk-${Math.random().toString(36).slice(2)}.lua`);
  writeFileSync(
    script,
    `local paths = {${paths.map((p) => JSON.stringify(p)).join(",")}}
local i = 0
request = function()
  i = i + 1
  if i > #paths then i = 1 end
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("LUNA-WRK %d %.1f %.3f %.3f %d\\n", summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout + e.status))
end
`,
  );
  const {
    stdout: out,
    stderr: err,
    code,
  } = await exec(["wrk", "-t1", `-c${opts.connections}`, `-d${opts.seconds}s`, "-s", script, base]);
  const m = /LUNA-WRK (\d+) (\S+) (\S+) (\S+) (\d+)/.exec(out);
  if (code !== 0 || !m) throw new Error(`wrk failed (exit ${code}): ${err || out}`);
  return {
    requests: Number(m[1]),
    rps: Number(m[2]),
    p50: Number(m[3]),
    p99: Number(m[4]),
    errors: Number(m[5]),
  };
}

/** The requests of `n` nodes stage by stage in blocks of `width` nodes (see above). */
export function interleave(n: number, width: number, perNode: (i: number) => string[]): string[] {
  const out: string[] = [];
  for (let start = 0; start < n; start += width) {
    const block = Array.from({ length: Math.min(width, n - start) }, (_, k) => perNode(start + k));
    const stages = block[0]?.length ?? 0;
    for (let s = 0; s < stages; s++) for (const node of block) out.push(node[s] as string);
  }
  return out;
}
