/**
 * `luna daemon`: runs every node-facing service in the foreground (what systemd starts);
 * `luna daemon start|stop|status|restart` control a background daemon through a pid file, as
 * the original `lweb` and `ltorrent` did (both names lead here); `install-unit` writes the
 * systemd unit.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ArgsDef, defineCommand } from "citty";
import { parseInteger } from "../../domain/common.ts";
import { AppError } from "../../domain/errors.ts";
import { parseIp } from "../../domain/net/ip.ts";
import {
  claimPidfile,
  readPid,
  selfCommand,
  startBackground,
  stopBackground,
} from "../../runtime/control.ts";
import { runDaemon } from "../../runtime/daemon.ts";
import { createLogger } from "../../runtime/logger.ts";
import { LUNA_USER, renderUnit } from "../../runtime/unit.ts";
import { checkArgs } from "../args.ts";
import type { CliContext } from "../context.ts";
import { type Parsed, verb } from "../verb.ts";

const runArgs = {
  host: { type: "string", description: "address to listen on (default 0.0.0.0, config daemon.host)" },
  port: { type: "string", description: "port to listen on (default 7050, config daemon.port)" },
  "admin-host": {
    type: "string",
    description: "address of the metrics and status page listener (default 127.0.0.1, config admin.host)",
  },
  "admin-port": {
    type: "string",
    description: "port of the metrics and status page listener (default 7051, config admin.port)",
  },
  pidfile: { type: "string", description: "pid file (default /run/luna/luna.pid, config daemon.pidfile)" },
  logfile: { type: "string", description: "log file for start/restart (default /var/log/luna/luna.log)" },
  "insecure-install": {
    type: "boolean",
    description:
      "labs only: serve install scripts and take status reports and announces without the node's boot credential or address check",
  },
} satisfies ArgsDef;
type RunArgs = Parsed<typeof runArgs>;

/**
 * The address to listen on, from --host or the config's daemon.host: an IP address, because the
 * seeder also announces it to peers as where the image is (a host name would mean nothing there).
 */
const listenHost = (a: RunArgs, configured: string, flag: "host" | "admin-host" = "host"): string => {
  const given = a[flag] !== undefined;
  const host = a[flag] ?? configured;
  try {
    parseIp(host);
  } catch {
    const key = flag === "host" ? "daemon.host" : "admin.host";
    throw new AppError(
      "INVALID_ARGUMENT",
      `Invalid value '${host}' for ${given ? `--${flag}` : `${key} in the config`}: not an IP address`,
      "Give the address to listen on: 0.0.0.0 (every IPv4 address), :: (every address), 127.0.0.1, or one of the head node's own addresses",
    );
  }
  return host;
};

/** The daemon started in the background gets this command line's options, --store and --config too. */
const passThrough = (a: RunArgs, globals: CliContext["globals"]): string[] => {
  const out: string[] = [];
  if (globals.store) out.push("--store", globals.store);
  if (globals.config) out.push("--config", globals.config);
  for (const k of ["host", "port", "admin-host", "admin-port"] as const) {
    const v = a[k];
    if (v !== undefined) out.push(`--${k}`, v);
  }
  if (a["insecure-install"]) out.push("--insecure-install");
  return out;
};

export function createDaemonCommand(ctx: CliContext) {
  const files = (a: RunArgs) => ({
    pidfile: a.pidfile ?? ctx.config.daemon.pidfile,
    logfile: a.logfile ?? ctx.config.daemon.logfile,
  });
  /** Where the admin listener listens, or undefined when `[admin] enabled = false`. */
  const adminAt = (a: RunArgs) => {
    const c = ctx.config.admin;
    const host = listenHost(a, c.host, "admin-host");
    const port =
      a["admin-port"] !== undefined ? parseInteger("admin-port", a["admin-port"], 0, 65535) : c.port;
    return c.enabled || a["admin-host"] !== undefined || a["admin-port"] !== undefined
      ? { host, port }
      : undefined;
  };
  const start = async (a: RunArgs) => {
    listenHost(a, ctx.config.daemon.host);
    adminAt(a);
    const pid = await startBackground({ ...files(a), args: passThrough(a, ctx.globals) });
    ctx.out(`luna daemon started (pid ${pid})`);
  };
  const stop = async (a: RunArgs) => {
    const pid = await stopBackground(files(a).pidfile);
    ctx.out(pid ? `luna daemon stopped (pid ${pid})` : "luna daemon is not running");
  };
  return defineCommand({
    meta: {
      name: "daemon",
      description:
        "run the boot server, tracker and seeder in the foreground (what luna.service runs);\n" +
        "or control a background daemon with start|stop|status|restart (also as 'lweb' / 'ltorrent')",
    },
    args: runArgs,
    subCommands: {
      start: () =>
        verb({
          noun: "daemon",
          name: "start",
          description: "start the daemon in the background",
          args: runArgs,
          run: start,
        }),
      stop: () =>
        verb({
          noun: "daemon",
          name: "stop",
          description: "stop the background daemon",
          args: runArgs,
          run: stop,
        }),
      restart: () =>
        verb({
          noun: "daemon",
          name: "restart",
          description: "stop, then start the daemon",
          args: runArgs,
          async run(a) {
            await stop(a);
            await start(a);
          },
        }),
      status: () =>
        verb({
          noun: "daemon",
          name: "status",
          description: "say whether the daemon runs (exit 0) or not (exit 3)",
          args: runArgs,
          async run(a) {
            const pid = readPid(files(a).pidfile);
            ctx.out(pid ? `luna daemon is running (pid ${pid})` : "luna daemon is not running");
            if (!pid) process.exitCode = 3;
          },
        }),
      "install-unit": () =>
        verb({
          noun: "daemon",
          name: "install-unit",
          description:
            "write luna.service for systemd (then: systemctl daemon-reload; systemctl enable --now luna)",
          args: { dir: { type: "string", description: "folder for the unit (default /etc/systemd/system)" } },
          async run(a) {
            const dir = a.dir ?? "/etc/systemd/system";
            mkdirSync(dir, { recursive: true });
            const file = join(dir, "luna.service");
            writeFileSync(
              file,
              renderUnit({ exec: selfCommand().join(" "), config: process.env.LUNA_CONFIG || undefined }),
            );
            ctx.out(`wrote ${file}`);
            ctx.out(`It runs the daemon as the ${LUNA_USER} user: 'luna self-install' creates it`);
          },
        }),
    },
    async run({ rawArgs, args: a }) {
      checkArgs("daemon", rawArgs, runArgs);
      const host = listenHost(a, ctx.config.daemon.host);
      const release = typeof a.pidfile === "string" ? claimPidfile(a.pidfile) : () => {};
      try {
        const code = await runDaemon({
          config: ctx.config,
          host,
          port: a.port !== undefined ? parseInteger("port", a.port, 0, 65535) : ctx.config.daemon.port,
          secureInstall: !a["insecure-install"],
          admin: adminAt(a),
          log: createLogger(),
        });
        process.exitCode = code;
      } finally {
        release();
      }
    },
  });
}
