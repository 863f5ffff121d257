/**
 * What a power backend (ipmitool, Redfish) does: one action on one BMC, answering a short state
 * ("on", "off", "cycle", "identify on"...) or throwing a PowerError whose message is the line
 * shown for that node. It must stop when `signal` aborts (the caller's deadline).
 */
import type { BmcTarget, PowerAction } from "../domain/netsvc/power.ts";

export interface PowerCall {
  signal: AbortSignal;
  timeoutMs: number;
}

export interface PowerBackend {
  run(bmc: BmcTarget, action: PowerAction, call: PowerCall): Promise<string>;
}

export class PowerError extends Error {
  override name = "PowerError";
}
