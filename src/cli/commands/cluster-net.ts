/**
 * `luna cluster makedhcp` and `luna cluster makedns`: render the DHCP / DNS configuration from
 * the store, check it with the daemon's own parser when installed, then print a diff
 * (--dry-run), print it (--out -) or install it atomically, and restart or reload the service
 * (--reload) only when a file really changed.
 */
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { basename, join } from "node:path";
import type { ArgsDef } from "citty";
import { AppError } from "../../domain/errors.ts";
import { dhcpConfig, planDhcpRange, setDhcpRange, withPlan } from "../../domain/netsvc/dhcp.ts";
import { dnsZones } from "../../domain/netsvc/dns.ts";
import { type ClusterSnapshot, isHostName, loadSnapshot } from "../../domain/netsvc/netdata.ts";
import { bindZones, renderNamedInclude } from "../../netsvc/bind.ts";
import { type Checker, checkText } from "../../netsvc/check.ts";
import { IPXE_ARM64, renderDhcpd } from "../../netsvc/dhcpd.ts";
import { renderDnsmasq } from "../../netsvc/dnsmasq.ts";
import { applyChanges, compareFiles, type FileChange, type OutFile, staleFiles } from "../../netsvc/files.ts";
import { mergeHostsBlock, renderHosts } from "../../netsvc/hosts.ts";
import { reloadService, type Service } from "../../netsvc/reload.ts";
import { settleZone } from "../../netsvc/serial.ts";
import { readIfExists } from "../../netsvc/write.ts";
import { opt } from "../args.ts";
import type { CliContext } from "../context.ts";
import { verb } from "../verb.ts";

const outputArgs = (what: string) =>
  ({
    out: { type: "string", description: `${what}; '-' prints to standard output` },
    "dry-run": {
      type: "boolean",
      description: "print a unified diff against the installed files; change nothing",
    },
    reload: { type: "boolean", description: "restart/reload the service when a file changed" },
    service: { type: "string", description: "systemd unit for --reload (default: the installed one)" },
  }) satisfies ArgsDef;

const DHCP_OUT = { dhcpd: "/etc/dhcp/dhcpd.conf", dnsmasq: "/etc/dnsmasq.d/luna.conf" } as const;

function pickFormat<T extends string>(value: unknown, allowed: readonly T[]): T {
  const v = (typeof value === "string" ? value : allowed[0]) as T;
  if (!allowed.includes(v)) {
    throw new AppError("INVALID_ARGUMENT", `Invalid --format '${v}'`, `Use one of ${allowed.join(", ")}`);
  }
  return v;
}

const warn = (lines: string[]) => {
  for (const l of lines) process.stderr.write(`luna: warning: ${l}\n`);
};

interface Output {
  files: OutFile[];
  checks: [Checker, string, string?][];
  stale?: { dir: string; suffix: string };
  /** what --reload restarts; none for a hosts file, which resolvers read as it changes */
  service?: Service;
}

/** Checks, then prints, diffs or installs a set of files, and reloads the service if one changed. */
function emit(ctx: CliContext, a: Record<string, unknown>, o: Output): void {
  for (const [tool, text, zone] of o.checks) checkText(tool, text, zone);
  if (opt(a.out) === "-") {
    for (const f of o.files) ctx.out(f.text.trimEnd());
    return;
  }
  const changes: FileChange[] = [
    ...compareFiles(o.files),
    ...(o.stale
      ? staleFiles(
          o.stale.dir,
          o.stale.suffix,
          o.files.map((f) => f.path),
        )
      : []),
  ];
  const moved = changes.filter((c) => c.status !== "unchanged");
  if (a["dry-run"]) {
    for (const c of moved) ctx.out(c.diff.trimEnd());
    if (moved.length === 0) ctx.out(`No changes: ${o.files.map((f) => f.path).join(", ")}`);
    return;
  }
  applyChanges(changes);
  const said = { created: "Wrote", changed: "Updated", unchanged: "Unchanged", removed: "Removed" };
  for (const c of changes) ctx.out(`${said[c.status]} ${c.path}`);
  if (!a.reload || !o.service) return;
  if (moved.length === 0) ctx.out("Nothing changed; the service was left alone");
  else ctx.out(`Ran ${reloadService(o.service, opt(a.service))}`);
}

function dhcpText(s: ClusterSnapshot, format: "dhcpd" | "dnsmasq", tftpRoot: string) {
  // arm64 firmware is answered only when the operator installed an arm64 iPXE (self-install).
  const { config, warnings } = dhcpConfig(s, { arm64Ipxe: existsSync(join(tftpRoot, IPXE_ARM64)) });
  return { config, warnings, text: format === "dhcpd" ? renderDhcpd(config) : renderDnsmasq(config) };
}

/** The head node's short name, which names the frontend (and name server) in the zones. */
function frontendName(): string {
  const short = hostname().split(".")[0] ?? "";
  return isHostName(short) ? short : "luna";
}

export const clusterNetVerbs = (ctx: CliContext) => ({
  makedhcp: () =>
    verb({
      noun: "cluster",
      name: "makedhcp",
      description:
        "write the DHCP server config: discovery range (set once with -N/-s/-e), iPXE chain, fixed leases",
      args: {
        network: { type: "string", alias: ["N"], description: "network the range is on (IPv4)" },
        start_ip: { type: "string", alias: ["s"], description: "first address of the discovery range" },
        end_ip: { type: "string", alias: ["e"], description: "last address of the discovery range" },
        format: { type: "string", description: "dhcpd (ISC, default) or dnsmasq" },
        ...outputArgs("file to write (default /etc/dhcp/dhcpd.conf, or /etc/dnsmasq.d/luna.conf)"),
      },
      async run(a) {
        const format = pickFormat(a.format, ["dhcpd", "dnsmasq"] as const);
        const req = { network: opt(a.network), start: opt(a.start_ip), end: opt(a.end_ip) };
        const moving = Object.values(req).some((v) => v !== undefined);
        const store = await ctx.store();
        let snap = await loadSnapshot(store);
        if (moving) snap = withPlan(snap, planDhcpRange(snap, req));
        let built = dhcpText(snap, format, ctx.config.tftp.root);
        const tool = format === "dhcpd" ? "dhcpd" : "dnsmasq";
        // Check before storing a new range: a file the daemon rejects must not leave one behind.
        checkText(tool, built.text);
        const checked = built.text;
        if (moving && !a["dry-run"]) {
          await ctx.write((tx) => setDhcpRange(tx, req));
          built = dhcpText(await loadSnapshot(store), format, ctx.config.tftp.root);
        }
        warn(built.warnings);
        const path = opt(a.out) ?? DHCP_OUT[format];
        const checks: Output["checks"] = built.text === checked ? [] : [[tool, built.text]];
        emit(ctx, a, { files: [{ path, text: built.text }], checks, service: format });
        if (opt(a.out) !== "-" && !a["dry-run"]) {
          const s = built.config.subnet;
          ctx.out(
            `Range ${s.start}-${s.end} on ${built.config.domain}, ${built.config.hosts.length} fixed leases`,
          );
        }
      },
    }),
  makedns: () =>
    verb({
      noun: "cluster",
      name: "makedns",
      description:
        "write bind zones (forward + reverse per network) and their named.conf include, or a hosts block",
      args: {
        format: { type: "string", description: "bind (default) or hosts (an /etc/hosts block)" },
        ...outputArgs(
          "bind: folder for the include and zones (default the cluster's named_include_file and named_zone_dir); hosts: file whose luna block is replaced (default: print)",
        ),
      },
      async run(a) {
        const format = pickFormat(a.format, ["bind", "hosts"] as const);
        const snap = await loadSnapshot(await ctx.store());
        if (snap.networks.length === 0) {
          throw new AppError(
            "NOT_FOUND",
            "No networks configured in this cluster",
            "Add one: luna network add",
          );
        }
        const { zones, warnings } = dnsZones(snap, { frontendName: frontendName() });
        const out = opt(a.out);
        if (format === "hosts") {
          warn(warnings);
          const block = renderHosts(zones);
          const file = out === undefined || out === "-" ? undefined : out;
          const text = file ? mergeHostsBlock(readIfExists(file), block) : block;
          return emit(ctx, { ...a, out: file ?? "-" }, { files: [{ path: file ?? "-", text }], checks: [] });
        }
        const bind = bindZones(zones);
        warn([...warnings, ...bind.warnings]);
        const c = snap.cluster;
        const dir = out && out !== "-" ? out : c.named_zone_dir;
        const include = out && out !== "-" ? join(out, basename(c.named_include_file)) : c.named_include_file;
        const files: OutFile[] = [];
        const checks: Output["checks"] = [];
        for (const doc of bind.docs) {
          const path = join(dir, doc.file);
          const { text } = settleZone(readIfExists(path), doc.render, ctx.now());
          files.push({ path, text });
          checks.push(["named-checkzone", text, doc.zone]);
        }
        const includeText = renderNamedInclude(bind.docs, dir);
        checks.push(["named-checkconf", includeText]);
        emit(ctx, a, {
          files: [{ path: include, text: includeText }, ...files],
          checks,
          stale: { dir, suffix: ".luna.zone" },
          service: "bind",
        });
      },
    }),
});
