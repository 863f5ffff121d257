/** What the `/luna` route needs from its host (the app, wired by runtime/daemon.ts). */
import type { SwitchMatcher } from "../domain/boot/discovery.ts";
import type { Node } from "../domain/model.ts";
import type { Store } from "../domain/store.ts";
import type { Logger } from "../lib/logger.ts";
import type { StatusBatcher } from "./status-batcher.ts";

export interface UnknownSeen {
  macs: string[];
  serial: string;
  ip: string;
  why: string;
  /** false when the unknown-hardware table was full and the entry was not stored */
  stored: boolean;
}

export interface LunaRouteOptions {
  store: Store;
  log: Logger;
  now: () => Date;
  /** require the node's boot credential on install and status requests, and its own address (default on) */
  secureInstall: boolean;
  /**
   * with secureInstall: a node whose MAC is bound must ask from its boot interface's address
   * (its DHCP fixed lease) to get a credential (default on; tests on loopback turn it off)
   */
  bootAddressCheck?: boolean;
  bySwitch?: SwitchMatcher;
  counters: {
    installRefused: number;
    unknownNodes: number;
    statusReports: number;
    /** refusals by reason: a credential check's result, or boot-address */
    refusedBy?: Record<string, number>;
  };
  /** called with a node once a report of a stage (install.request, a status) is committed */
  onStage?: (node: Node) => void;
  statuses: StatusBatcher;
  /** makes a node's boot credential (default: 32 random bytes; tests fix it for golden files) */
  newToken?: () => string;
  /** logs unknown hardware, rate-limited (a flood of made-up MACs must not flood the log) */
  unknownLog: (seen: UnknownSeen) => void;
}

/**
 * Logs the first unknown-hardware request of every `windowMs` in full and counts the rest,
 * reporting how many were left out with the next line.
 */
export function rateLimitedUnknownLog(log: Logger, now: () => number, windowMs = 1000) {
  let last = Number.NEGATIVE_INFINITY;
  let quiet = 0;
  return (seen: UnknownSeen): void => {
    const t = now();
    if (t - last < windowMs) {
      quiet++;
      return;
    }
    last = t;
    const fields: Record<string, unknown> = { ...seen };
    if (quiet > 0) fields.unlogged_before = quiet;
    quiet = 0;
    log.warn("unknown hardware asked to boot", fields);
  };
}
