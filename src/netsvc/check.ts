/**
 * Checking generated files with the daemons' own parsers before they are installed: a file
 * dhcpd, dnsmasq or named would reject never replaces a working one. A tool that is not
 * installed is skipped (the service it belongs to is not there to break either).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppError } from "../domain/errors.ts";
import { execSync } from "../lib/exec.ts";

const SBIN = ["/usr/sbin", "/sbin", "/usr/local/sbin"];

export function findTool(name: string): string | undefined {
  return (
    Bun.which(name) ?? Bun.which(name, { PATH: [process.env.PATH ?? "", ...SBIN].join(":") }) ?? undefined
  );
}

export type Checker = "dhcpd" | "dnsmasq" | "named-checkconf" | "named-checkzone";

const ARGS: Record<Checker, (file: string, zone: string) => string[]> = {
  dhcpd: (f) => ["-t", "-4", "-cf", f],
  dnsmasq: (f) => ["--test", `--conf-file=${f}`],
  "named-checkconf": (f) => [f],
  "named-checkzone": (f, zone) => ["-q", "-k", "fail", zone, f],
};

/** Runs the checker on `text`; returns false when the tool is not installed. */
export function checkText(tool: Checker, text: string, zone = ""): boolean {
  const bin = findTool(tool);
  if (!bin) return false;
  const dir = mkdtempSync(join(tmpdir(), "luna-check-"));
  try {
    const file = join(dir, "candidate");
    writeFileSync(file, text);
    const r = execSync([bin, ...ARGS[tool](file, zone)], { timeoutMs: 30_000 });
    if (r.code !== 0) {
      const out = `${r.stdout}\n${r.stderr}`
        .split("\n")
        .map((l) => l.trim())
        .filter(
          (l) =>
            l &&
            !/^(Internet Systems|Copyright|License|For info|Config file|Database file|PID file|dnsmasq: syntax check OK)/.test(
              l,
            ),
        )
        .join("; ");
      throw new AppError(
        "EXTERNAL_COMMAND",
        `${tool} rejects the generated ${zone || "file"}: ${out || (r.timedOut ? "no answer within 30 s" : `exit status ${r.code}`)}`,
        "Nothing was written. Please report this as a luna bug",
      );
    }
    return true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
