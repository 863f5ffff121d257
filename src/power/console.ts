/**
 * A node's serial console through its BMC: IPMI Serial-over-LAN with `ipmitool sol activate`
 * (the password in IPMI_PASSWORD, read by `-E`, never on the command line where `ps` shows
 * it), the terminal passed straight through, and with a log file every byte the console
 * printed appended to it as well (like `tee -a`).
 *
 * Redfish defines no console stream of its own. A Redfish BMC says in its ComputerSystem's
 * `SerialConsole` (schema v1.13+) how the console is reached: over IPMI SOL (used here, with
 * the bmcsetup's credentials), SSH or Telnet (named in the error, for the operator to run).
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { AppError } from "../domain/errors.ts";
import type { BmcTarget } from "../domain/netsvc/power.ts";
import { PowerError } from "./backend.ts";
import { IPMITOOL_MISSING, lanplusArgs, whichIpmitool } from "./ipmitool.ts";
import { redfishClient } from "./redfish.ts";

/** One way into the console, as ComputerSystem.SerialConsole describes it (SerialConsoleProtocol). */
interface ConsoleProtocol {
  ServiceEnabled?: boolean;
  Port?: number;
  ConsoleEntryCommand?: string;
}
export interface SerialConsole {
  IPMI?: ConsoleProtocol;
  SSH?: ConsoleProtocol;
  Telnet?: ConsoleProtocol;
}

export function solArgs(bmc: BmcTarget, escapeChar?: string): string[] {
  return [...lanplusArgs(bmc), ...(escapeChar ? ["-e", escapeChar] : []), "sol", "activate"];
}

/** The IPMI endpoint a Redfish BMC offers its console on, or why there is none to drive. */
export function consoleOfRedfish(bmc: BmcTarget, sc: SerialConsole | undefined): BmcTarget {
  if (sc?.IPMI?.ServiceEnabled) return { ...bmc, protocol: "ipmi", port: sc.IPMI.Port ?? 623 };
  const where = `The Redfish BMC at ${bmc.host}`;
  const entry = (p: ConsoleProtocol) => (p.ConsoleEntryCommand ? `, then '${p.ConsoleEntryCommand}'` : "");
  if (sc?.SSH?.ServiceEnabled) {
    throw new AppError(
      "EXTERNAL_COMMAND",
      `${where} offers the serial console over SSH only, not IPMI Serial-over-LAN`,
      `Connect with 'ssh -p ${sc.SSH.Port ?? 22} ${bmc.user}@${bmc.host}'${entry(sc.SSH)}`,
    );
  }
  if (sc?.Telnet?.ServiceEnabled) {
    throw new AppError(
      "EXTERNAL_COMMAND",
      `${where} offers the serial console over Telnet only, not IPMI Serial-over-LAN`,
      `Connect with 'telnet ${bmc.host} ${sc.Telnet.Port ?? 23}'${entry(sc.Telnet)}`,
    );
  }
  throw new AppError(
    "EXTERNAL_COMMAND",
    `${where} lists no serial console (ComputerSystem.SerialConsole); Redfish has no console stream of its own`,
    "Enable IPMI over LAN with Serial-over-LAN on the BMC, or use its web console",
  );
}

/** The IPMI target to open the console on: the BMC itself, or what its Redfish service names. */
export async function consoleEndpoint(bmc: BmcTarget, timeoutMs: number): Promise<BmcTarget> {
  if (bmc.protocol === "ipmi") return bmc;
  try {
    const { call, system } = redfishClient(bmc, AbortSignal.timeout(timeoutMs));
    const sys = (await call(await system())) as { SerialConsole?: SerialConsole };
    return consoleOfRedfish(bmc, sys.SerialConsole);
  } catch (e) {
    if (e instanceof PowerError) throw new AppError("EXTERNAL_COMMAND", e.message);
    throw e;
  }
}

function openLog(file: string): number {
  try {
    return openSync(file, "a", 0o600);
  } catch (e) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `Cannot open the console log ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      "Give a file in a folder you can write to",
    );
  }
}

/** Runs the SOL session on this terminal until ipmitool ends; answers ipmitool's exit status. */
export async function runSol(bmc: BmcTarget, opts: { escapeChar?: string; log?: string }): Promise<number> {
  const bin = whichIpmitool();
  if (!bin) throw new AppError("EXTERNAL_COMMAND", IPMITOOL_MISSING);
  const log = opts.log === undefined ? undefined : openLog(opts.log);
  try {
    // On a pipe (--log) C stdio holds ipmitool's banner back until exit; stdbuf (coreutils)
    // makes its stdout line-buffered. The console bytes themselves are flushed per packet.
    const stdbuf = log === undefined ? null : Bun.which("stdbuf");
    const proc = Bun.spawn([...(stdbuf ? [stdbuf, "-oL"] : []), bin, ...solArgs(bmc, opts.escapeChar)], {
      env: { ...process.env, IPMI_PASSWORD: bmc.password },
      // ipmitool puts the terminal on its stdin into raw mode itself, and gives it back.
      stdin: "inherit",
      stdout: log === undefined ? "inherit" : "pipe",
      stderr: "inherit",
    });
    // Ctrl-C on a terminal that ipmitool has not made raw reaches both: let ipmitool end it.
    const ignore = () => undefined;
    process.on("SIGINT", ignore);
    try {
      if (log !== undefined && proc.stdout instanceof ReadableStream) {
        for await (const chunk of proc.stdout) {
          writeSync(log, chunk);
          if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once("drain", r));
        }
      }
      return await proc.exited;
    } finally {
      process.off("SIGINT", ignore);
    }
  } finally {
    if (log !== undefined) closeSync(log);
  }
}
