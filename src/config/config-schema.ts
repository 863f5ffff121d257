/**
 * The config file's schema (TypeBox): defaults and validation of /etc/luna/luna.conf. Kept
 * apart from config.ts and loaded only when a file exists, because TypeBox costs start-up time.
 */
import { type Static, Type as T } from "@sinclair/typebox";

export const ConfigSchema = T.Object(
  {
    store: T.String({ default: "sqlite:/var/lib/luna/luna.db" }),
    daemon: T.Object(
      {
        host: T.String({ default: "0.0.0.0" }),
        port: T.Integer({ minimum: 0, maximum: 65535, default: 7050 }),
        pidfile: T.String({ default: "/run/luna/luna.pid" }),
        logfile: T.String({ default: "/var/log/luna/luna.log" }),
        /**
         * the head-node seeder: "luna" (our own peer, super-seeding: each piece sent once before
         * any twice), "luna-plain" (our own peer, plain seeding: sooner where the head's link can
         * feed every booting node at once, docs/benchmarks.md) or "aria2c" (one aria2c process)
         */
        seeder: T.Union([T.Literal("luna"), T.Literal("luna-plain"), T.Literal("aria2c")], {
          default: "luna",
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    /** the daemon's switch poller (switch-port discovery) */
    snmp: T.Object(
      {
        enabled: T.Boolean({ default: true }),
        /** seconds between polls of each switch */
        interval: T.Integer({ minimum: 1, maximum: 86_400, default: 30 }),
        /** ports with more distinct MACs are uplinks, ignored for discovery */
        max_macs_per_port: T.Integer({ minimum: 1, maximum: 100_000, default: 4 }),
        /** seconds to wait for an answer before a retry */
        timeout: T.Number({ exclusiveMinimum: 0, maximum: 60, default: 2 }),
        retries: T.Integer({ minimum: 0, maximum: 10, default: 1 }),
        /** learned MACs not seen again are forgotten after this many intervals */
        keep_intervals: T.Integer({ minimum: 1, maximum: 1000, default: 10 }),
      },
      { default: {}, additionalProperties: false },
    ),
    /**
     * The operators' listener: metrics (GET /metrics) and the live status page. Apart from the
     * node-facing listener (daemon.port), and on loopback by default, so nothing of it reaches
     * the provisioning network unless an address is given here.
     */
    admin: T.Object(
      {
        enabled: T.Boolean({ default: true }),
        host: T.String({ default: "127.0.0.1" }),
        port: T.Integer({ minimum: 0, maximum: 65535, default: 7051 }),
        /** the head node's link to the nodes in Mbit/s, for the status page (0: read from sysfs) */
        link_mbit: T.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
      },
      { default: {}, additionalProperties: false },
    ),
    /**
     * TFTP for the iPXE ROMs (read-only, files in `root` only), so the head node needs no tftpd;
     * off by default for sites that run their own. Port 69 needs CAP_NET_BIND_SERVICE (the unit
     * written by self-install grants it).
     */
    tftp: T.Object(
      {
        enabled: T.Boolean({ default: false }),
        host: T.String({ default: "0.0.0.0" }),
        port: T.Integer({ minimum: 0, maximum: 65535, default: 69 }),
        root: T.String({ default: "/srv/tftp" }),
        max_sessions: T.Integer({ minimum: 1, maximum: 4096, default: 64 }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type Config = Static<typeof ConfigSchema>;
