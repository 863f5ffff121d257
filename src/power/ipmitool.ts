/**
 * IPMI power control through ipmitool (IPMI 2.0 / RMCP+, `-I lanplus`), as the original lpower
 * did. The password goes through the IPMI_PASSWORD environment variable (`-E`), never the
 * command line, where every user could read it in `ps`. ipmitool's own retries are sized to
 * fit the caller's deadline; the process is killed when the deadline passes anyway.
 */
import type { BmcTarget, PowerAction } from "../domain/netsvc/power.ts";
import { exec } from "../lib/exec.ts";
import { type PowerBackend, PowerError } from "./backend.ts";

/** ipmitool is in /usr/bin on Debian and RHEL; /usr/sbin is searched too for other layouts. */
export function whichIpmitool(): string | null {
  return Bun.which("ipmitool", { PATH: `${process.env.PATH ?? ""}:/usr/sbin:/sbin` });
}

export const IPMITOOL_MISSING =
  "ipmitool is not installed (Debian: apt-get install ipmitool; RHEL: dnf install ipmitool)";

const COMMANDS: Record<PowerAction, string[]> = {
  status: ["chassis", "power", "status"],
  on: ["chassis", "power", "on"],
  off: ["chassis", "power", "off"],
  reset: ["chassis", "power", "reset"],
  cycle: ["chassis", "power", "cycle"],
  // `force` keeps the light on until told otherwise (the original's 255 s ran out).
  identify: ["chassis", "identify", "force"],
  noidentify: ["chassis", "identify", "0"],
};

const RESULT: Record<PowerAction, string> = {
  status: "",
  on: "on",
  off: "off",
  reset: "reset",
  cycle: "cycle",
  identify: "identify on",
  noidentify: "identify off",
};

export const RETRIES = 2;

/** The RMCP+ session to `bmc`, with the password taken from IPMI_PASSWORD (`-E`). */
export function lanplusArgs(bmc: BmcTarget): string[] {
  return [
    "-I",
    "lanplus",
    "-H",
    bmc.host,
    "-p",
    String(bmc.port),
    ...(bmc.user ? ["-U", bmc.user] : []),
    ...(bmc.cipher === null ? [] : ["-C", String(bmc.cipher)]),
    "-E",
  ];
}

export function ipmitoolArgs(bmc: BmcTarget, action: PowerAction, timeoutMs: number): string[] {
  // ipmitool waits -N seconds per try and tries 1 + -R times: keep that inside the deadline.
  const perTry = Math.max(1, Math.floor(timeoutMs / 1000 / (RETRIES + 1)));
  return [...lanplusArgs(bmc), "-N", String(perTry), "-R", String(RETRIES), ...COMMANDS[action]];
}

/** The answer ipmitool printed, as one word or short phrase; or the error it ended with. */
export function parseIpmitool(action: PowerAction, code: number, stdout: string, stderr: string): string {
  if (code === 0) {
    if (action !== "status") return RESULT[action];
    const m = /Chassis Power is (\w+)/i.exec(stdout);
    if (m) return (m[1] as string).toLowerCase();
    throw new PowerError(`Unexpected answer from ipmitool: ${stdout.trim() || "(nothing)"}`);
  }
  const lines = `${stderr}\n${stdout}`
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const error = lines.findLast((l) => l.startsWith("Error")) ?? lines.at(-1);
  throw new PowerError(error ? error.replace(/^Error:\s*/, "") : `ipmitool exited with status ${code}`);
}

export function createIpmitoolBackend(binary?: string): PowerBackend {
  return {
    async run(bmc, action, { signal, timeoutMs }) {
      const bin = binary ?? whichIpmitool();
      if (!bin) throw new PowerError(IPMITOOL_MISSING);
      const r = await exec([bin, ...ipmitoolArgs(bmc, action, timeoutMs)], {
        env: { ...process.env, IPMI_PASSWORD: bmc.password },
        signal,
      });
      return parseIpmitool(action, r.code, r.stdout, r.stderr);
    },
  };
}
