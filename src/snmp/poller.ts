/**
 * The switch poller service of `luna daemon`: every interval it reads each switch's forwarding
 * table (session.ts) and stores what it learned as `switchmac` documents, one per (switch, MAC),
 * so discovery can find a node by the port its MAC was seen on. A switch that fails is retried
 * with exponential backoff (capped), so a dead switch costs little and never delays the others.
 * What one poll changes is decided by the pure planFdbUpdate (domain/boot/discovery-switch.ts).
 */
import type { Config } from "../config/config.ts";
import {
  DEFAULT_MAX_MACS_PER_PORT,
  type FdbEntry,
  type FdbUpdate,
  planFdbUpdate,
} from "../domain/boot/discovery-switch.ts";
import type { Switch } from "../domain/model.ts";
import type { Store } from "../domain/store.ts";
import type { Logger } from "../lib/logger.ts";
import { type PollOptions, pollSwitch } from "./session.ts";

export interface StoreFdbOptions {
  maxMacsPerPort?: number;
  now: Date;
  /** learned MACs absent from polls are kept this long after they were last seen */
  keepMs: number;
}

/**
 * Writes one poll of `sw` in one transaction: upserts what was seen, removes what expired or
 * moved behind an uplink. A switch deleted meanwhile gets nothing written.
 */
export async function storeFdb(
  store: Store,
  sw: Switch,
  entries: readonly FdbEntry[],
  o: StoreFdbOptions,
): Promise<FdbUpdate & { added: number }> {
  return store.write(async (tx) => {
    if (!(await tx.get("switch", sw.id))) return { upserts: [], removals: [], uplinks: [], added: 0 };
    const existing = (await tx.list("switchmac")).filter((m) => m.switch === sw.id);
    const plan = planFdbUpdate({
      switchId: sw.id,
      existing,
      entries,
      maxMacsPerPort: o.maxMacsPerPort ?? DEFAULT_MAX_MACS_PER_PORT,
      now: o.now.toISOString(),
      expireBefore: new Date(o.now.getTime() - o.keepMs).toISOString(),
    });
    const ids = new Set(existing.map((m) => m.id));
    let added = 0;
    for (const doc of plan.upserts) {
      if (ids.has(doc.id)) await tx.update("switchmac", doc);
      else {
        await tx.insert("switchmac", doc);
        added++;
      }
    }
    for (const id of plan.removals) await tx.remove("switchmac", id);
    return { ...plan, added };
  });
}

/** Delay before retrying a switch after `failures` consecutive failures: doubling, capped. */
export function backoffMs(failures: number, intervalMs: number, maxMs: number): number {
  if (failures <= 0) return 0;
  return Math.min(intervalMs * 2 ** Math.min(failures, 30), maxMs);
}

export interface PollReport {
  switch: string;
  ok: boolean;
  /** MACs stored for this switch by this poll */
  macs: number;
  uplinks: string[];
  skipped: number;
  error?: string;
  /** consecutive failures so far (0 after a success) */
  failures: number;
  /** when the switch is polled again at the earliest (after a failure) */
  retryAt?: string;
}

export interface SwitchPollerOptions {
  store: Store;
  log: Pick<Logger, "info" | "warn">;
  /** default 30 s, as the original */
  intervalMs?: number;
  maxMacsPerPort?: number;
  /** learned MACs are kept this many intervals after last seen (default 10: 300 s, as the original) */
  keepIntervals?: number;
  /** cap of the per-switch backoff (default 10 intervals) */
  maxBackoffMs?: number;
  /** switches polled at once (default 8) */
  concurrency?: number;
  /** per-request timeout, retries and the deadline of one poll */
  snmp?: Pick<PollOptions, "timeoutMs" | "retries" | "deadlineMs" | "portNames">;
  /** the agent's UDP port for a switch (161); tests point switches at local agents */
  portOf?: (sw: Switch) => number;
  now?: () => Date;
  /** called after every switch poll, with its outcome */
  onPoll?: (report: PollReport) => void;
}

export interface SwitchPoller {
  name: string;
  start(failed?: (error: unknown) => void): Promise<void>;
  stop(): Promise<void>;
  /** One round now: every switch that is not backing off. */
  pollOnce(): Promise<PollReport[]>;
}

/** The poller's options from the `[snmp]` section of the config file. */
export function pollerConfig(
  c: Config["snmp"],
): Pick<SwitchPollerOptions, "intervalMs" | "maxMacsPerPort" | "keepIntervals" | "snmp"> {
  return {
    intervalMs: c.interval * 1000,
    maxMacsPerPort: c.max_macs_per_port,
    keepIntervals: c.keep_intervals,
    snmp: { timeoutMs: Math.round(c.timeout * 1000), retries: c.retries },
  };
}

export function createSwitchPoller(o: SwitchPollerOptions): SwitchPoller {
  const interval = o.intervalMs ?? 30_000;
  const maxBackoff = o.maxBackoffMs ?? 10 * interval;
  const keepMs = (o.keepIntervals ?? 10) * interval;
  const now = o.now ?? (() => new Date());
  const state = new Map<string, { failures: number; retryAt: number }>();
  let abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let round: Promise<unknown> | undefined;

  async function pollOne(sw: Switch): Promise<PollReport> {
    const failures = state.get(sw.id)?.failures ?? 0;
    try {
      const polled = await pollSwitch(sw, { ...o.snmp, port: o.portOf?.(sw), signal: abort.signal });
      const r = await storeFdb(o.store, sw, polled.entries, {
        maxMacsPerPort: o.maxMacsPerPort,
        now: now(),
        keepMs,
      });
      state.delete(sw.id);
      if (failures > 0) o.log.info("switch answers again", { switch: sw.name, after: failures });
      if (r.added > 0) o.log.info(`learned ${r.added} new MAC addresses`, { switch: sw.name });
      if (polled.skipped > 0)
        o.log.warn("switch sent malformed FDB rows (skipped)", {
          switch: sw.name,
          skipped: polled.skipped,
          first: polled.errors.slice(0, 3),
        });
      return {
        switch: sw.name,
        ok: true,
        macs: r.upserts.length,
        uplinks: r.uplinks,
        skipped: polled.skipped,
        failures: 0,
      };
    } catch (e) {
      const count = failures + 1;
      const retryAt = now().getTime() + backoffMs(count, interval, maxBackoff);
      state.set(sw.id, { failures: count, retryAt });
      const error = e instanceof Error ? e.message : String(e);
      if (!abort.signal.aborted)
        o.log.warn("switch poll failed", { switch: sw.name, error, failures: count });
      return {
        switch: sw.name,
        ok: false,
        macs: 0,
        uplinks: [],
        skipped: 0,
        error,
        failures: count,
        retryAt: new Date(retryAt).toISOString(),
      };
    }
  }

  async function pollOnce(): Promise<PollReport[]> {
    const t = now().getTime();
    const due = (await o.store.list("switch")).filter((sw) => (state.get(sw.id)?.retryAt ?? 0) <= t);
    const reports: PollReport[] = [];
    const worker = async () => {
      for (let sw = due.shift(); sw && !abort.signal.aborted; sw = due.shift()) {
        const report = await pollOne(sw);
        reports.push(report);
        o.onPoll?.(report);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 8) }, worker));
    return reports;
  }

  const loop = () => {
    round = pollOnce()
      .catch((e) => o.log.warn("switch poll round failed", { error: String(e) }))
      .finally(() => {
        if (!abort.signal.aborted) timer = setTimeout(loop, interval);
      });
  };

  return {
    name: "snmp-poller",
    pollOnce,
    async start() {
      abort = new AbortController();
      loop();
    },
    async stop() {
      abort.abort();
      clearTimeout(timer);
      await round;
    },
  };
}
