/**
 * The switch poller: walks each switch's FDB OID with net-snmp's `subtree` (a plain `walk`
 * runs past the end of the table), v2c or v1, and replaces the switch's learned-MAC table in
 * the store. Runs in the daemon every interval, with a per-switch backoff after errors.
 */
import snmp from "net-snmp";
import { dropUplinks, type FdbEntry, parseFdb, switchMacName } from "../domain/fdb.ts";
import type { Switch } from "../domain/model.ts";
import { newId, type Store } from "../domain/store.ts";

export interface PollOptions {
  port?: number;
  timeoutMs?: number;
  retries?: number;
  version?: "1" | "2c";
}

export interface PollResult {
  entries: FdbEntry[];
  skipped: number;
}

export function pollSwitch(sw: Switch, o: PollOptions = {}): Promise<PollResult> {
  const session = snmp.createSession(sw.ip, sw.read, {
    port: o.port ?? 161,
    version: o.version === "1" ? snmp.Version1 : snmp.Version2c,
    timeout: o.timeoutMs ?? 2000,
    retries: o.retries ?? 1,
  });
  const rows: { oid: string; value: unknown }[] = [];
  return new Promise<PollResult>((resolve, reject) => {
    session.on("error", (e: Error) => reject(e));
    session.subtree(
      sw.oid.replace(/^\./, ""),
      20,
      (varbinds: { oid: string; value: unknown; type: number }[]) => {
        for (const vb of varbinds) {
          if (!snmp.isVarbindError(vb)) rows.push({ oid: vb.oid, value: vb.value });
        }
      },
      (err: Error | null) => {
        session.close();
        if (err) reject(new Error(`SNMP walk of ${sw.name} (${sw.ip}) failed: ${err.message}`));
        else resolve(parseFdb(sw.oid, rows));
      },
    );
  });
}

/** Replaces the switch's learned MACs with this poll's (uplink ports left out). */
export async function storeFdb(
  store: Store,
  sw: Switch,
  entries: FdbEntry[],
  maxMacsPerPort: number,
  now: string,
) {
  const { kept, uplinks } = dropUplinks(entries, maxMacsPerPort);
  await store.write(async (tx) => {
    const fresh = new Map(kept.map((e) => [switchMacName(sw.id, e.mac), e]));
    for (const old of await tx.list("switchmac")) {
      if (old.switch === sw.id && !fresh.has(old.name)) await tx.remove("switchmac", old.id);
    }
    for (const [name, e] of fresh) {
      const old = await tx.byName("switchmac", name);
      const doc = {
        id: old?.id ?? newId(),
        name,
        switch: sw.id,
        port: e.port,
        mac: e.mac,
        vlan: e.vlan,
        seen: now,
      };
      if (old) await tx.update("switchmac", doc);
      else await tx.insert("switchmac", doc);
    }
  });
  return { kept, uplinks };
}

export interface PollerOptions {
  store: Store;
  intervalMs?: number;
  maxMacsPerPort?: number;
  log: {
    info(m: string, f?: Record<string, unknown>): void;
    warn(m: string, f?: Record<string, unknown>): void;
  };
}

export function createSwitchPoller(o: PollerOptions) {
  const interval = o.intervalMs ?? 30_000;
  const failures = new Map<string, { count: number; until: number }>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let round: Promise<void> | undefined;

  async function pollAll(): Promise<void> {
    for (const sw of await o.store.list("switch")) {
      const f = failures.get(sw.id);
      if (stopped || (f && Date.now() < f.until)) continue;
      try {
        const r = await pollSwitch(sw);
        const { kept, uplinks } = await storeFdb(
          o.store,
          sw,
          r.entries,
          o.maxMacsPerPort ?? 4,
          new Date().toISOString(),
        );
        failures.delete(sw.id);
        if (r.skipped > 0)
          o.log.warn("switch returned malformed FDB rows (skipped)", { switch: sw.name, skipped: r.skipped });
        o.log.info("switch polled", { switch: sw.name, macs: kept.length, uplinks });
      } catch (e) {
        const count = (f?.count ?? 0) + 1;
        // Back off exponentially, capped at ten intervals, so a dead switch costs little.
        failures.set(sw.id, { count, until: Date.now() + Math.min(10, 2 ** (count - 1)) * interval });
        o.log.warn("switch poll failed", { switch: sw.name, error: (e as Error).message, failures: count });
      }
    }
  }

  const loop = () => {
    round = pollAll().finally(() => {
      if (!stopped) timer = setTimeout(loop, interval);
    });
  };

  return {
    name: "snmp-poller",
    async start() {
      stopped = false;
      loop();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await round;
    },
  };
}
