/**
 * Running one power action over many nodes: at most `concurrency` BMCs at a time, each call
 * under its own deadline, and for actions that boot nodes (on, cycle, reset) in batches with a
 * pause between them, so a whole cluster does not ask DHCP, TFTP and the boot server at the
 * same instant. A node that fails is one result among the others, never an abort.
 */
import type { BmcProtocol } from "../domain/bmcsetup.ts";
import { BOOTING_ACTIONS, batches, type PowerAction, type PowerTarget } from "../domain/netsvc/power.ts";
import type { PowerBackend } from "./backend.ts";

export interface PowerResult {
  node: string;
  ok: boolean;
  state?: string;
  error?: string;
  ms: number;
}

export interface PowerRunOptions {
  action: PowerAction;
  concurrency: number;
  batchSize: number;
  batchDelayMs: number;
  timeoutMs: number;
  backends: Record<BmcProtocol, PowerBackend>;
  /** waits between batches; injected by tests */
  sleep?: (ms: number) => Promise<void>;
  onResult?: (r: PowerResult) => void;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

async function one(t: PowerTarget, o: PowerRunOptions): Promise<PowerResult> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  if (!t.bmc) return { node: t.node, ok: false, error: t.error ?? "No BMC", ms: 0 };
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), o.timeoutMs);
  try {
    const state = await o.backends[t.bmc.protocol].run(t.bmc, o.action, {
      signal: deadline.signal,
      timeoutMs: o.timeoutMs,
    });
    return { node: t.node, ok: true, state, ms: ms() };
  } catch (e) {
    const error = deadline.signal.aborted
      ? `No answer from the BMC at ${t.bmc.host}:${t.bmc.port} within ${o.timeoutMs / 1000} s`
      : (e as Error).message;
    return { node: t.node, ok: false, error, ms: ms() };
  } finally {
    clearTimeout(timer);
  }
}

/** Results in hostlist order; `onResult` sees each as it arrives. */
export async function runPower(targets: PowerTarget[], o: PowerRunOptions): Promise<PowerResult[]> {
  const results = new Map<string, PowerResult>();
  const record = (r: PowerResult) => {
    results.set(r.node, r);
    o.onResult?.(r);
  };
  for (const t of targets) if (!t.bmc) record(await one(t, o));
  const reachable = targets.filter((t) => t.bmc);
  const groups = BOOTING_ACTIONS.includes(o.action) ? batches(reachable, o.batchSize) : batches(reachable, 0);
  for (const [i, batch] of groups.entries()) {
    if (i > 0 && o.batchDelayMs > 0) await (o.sleep ?? wait)(o.batchDelayMs);
    await pool(batch, o.concurrency, async (t) => record(await one(t, o)));
  }
  return targets.map((t) => results.get(t.node) as PowerResult);
}
