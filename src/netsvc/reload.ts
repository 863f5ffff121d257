/**
 * Making a service pick up a new configuration, only when the configuration changed. ISC dhcpd
 * and dnsmasq read their config only at start, so they are restarted (leases survive in their
 * lease files; the original truncated dhcpd's leases on every run, we do not); named reloads.
 * The unit is the one given, or the first of the usual names installed on this system.
 */
import { existsSync } from "node:fs";
import { AppError } from "../domain/errors.ts";
import { execSync } from "../lib/exec.ts";
import { findTool } from "./check.ts";

export type Service = "dhcpd" | "dnsmasq" | "bind";

const UNITS: Record<Service, string[]> = {
  dhcpd: ["dhcpd", "isc-dhcp-server"],
  dnsmasq: ["dnsmasq"],
  bind: ["named", "bind9"],
};
const VERB: Record<Service, string> = { dhcpd: "restart", dnsmasq: "restart", bind: "reload" };
const UNIT_DIRS = ["/etc/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"];

export function unitFor(service: Service, given?: string): string {
  if (given) return given;
  const unit = UNITS[service].find((u) => UNIT_DIRS.some((d) => existsSync(`${d}/${u}.service`)));
  if (!unit) {
    throw new AppError(
      "EXTERNAL_COMMAND",
      `No ${UNITS[service].join(" or ")} service is installed`,
      "Name the unit with --service UNIT, or leave out --reload",
    );
  }
  return unit;
}

/** Runs `systemctl restart|reload UNIT`; returns the command line that ran. */
export function reloadService(service: Service, given?: string): string {
  const unit = unitFor(service, given);
  const systemctl = findTool("systemctl");
  if (!systemctl) throw new AppError("EXTERNAL_COMMAND", "systemctl is not available to reload the service");
  const args = [VERB[service], unit];
  const r = execSync([systemctl, ...args], { timeoutMs: 120_000 });
  if (r.code !== 0) {
    throw new AppError(
      "EXTERNAL_COMMAND",
      `systemctl ${args.join(" ")} failed: ${(r.stderr || r.stdout || (r.timedOut ? "no answer within 120 s" : `exit status ${r.code}`)).trim()}`,
      `The new file is in place; see 'journalctl -u ${unit}'`,
    );
  }
  return `systemctl ${args.join(" ")}`;
}
