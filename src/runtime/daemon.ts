/**
 * Composition of `luna daemon`: the store, the node-facing HTTP server and (as they land) the
 * switch poller, tracker and seeder, each a service under one supervisor.
 */
import { type Config, parseStoreSpec } from "../config/config.ts";
import { findBySwitchPort } from "../domain/boot/discovery-switch.ts";
import type { Store } from "../domain/store.ts";
import type { Logger } from "../lib/logger.ts";
import { announceAdmitter } from "../server/announce-admit.ts";
import { createApp } from "../server/app.ts";
import type { LunaRouteOptions } from "../server/luna-route.ts";
import { createStatusBatcher } from "../server/status-batcher.ts";
import { createSwitchPoller, pollerConfig } from "../snmp/poller.ts";
import { createTftpServer } from "../tftp/server.ts";
import type { PeerOut } from "../torrent/announce.ts";
import { createLunaSeeder } from "../torrent/luna-seeder.ts";
import { createSeeder } from "../torrent/seeder.ts";
import { createTracker, type Tracker } from "../torrent/tracker.ts";
import { createAdmin, timedWrites } from "./admin.ts";
import { daemonSqliteOptions, openStore } from "./open-store.ts";
import { type Service, supervise } from "./supervisor.ts";

export interface DaemonOptions {
  config: Config;
  host: string;
  port: number;
  secureInstall: boolean;
  log: Logger;
  /** the operators' listener (metrics, status page); undefined: none */
  admin?: { host: string; port: number };
  /** called once the HTTP server listens, with its real port */
  onListening?: (port: number) => void;
}

interface HttpParts {
  counters: LunaRouteOptions["counters"];
  tracker: Tracker;
  /** with the admin listener: what the metrics are told */
  admin?: ReturnType<typeof createAdmin>;
}

function httpService(store: Store, o: DaemonOptions, parts: HttpParts): Service {
  let server: ReturnType<ReturnType<typeof createApp>["listen"]> | undefined;
  const metrics = parts.admin?.metrics;
  return {
    name: "http",
    async start() {
      const app = createApp({
        store,
        log: o.log,
        now: () => new Date(),
        secureInstall: o.secureInstall,
        counters: parts.counters,
        tracker: parts.tracker,
        bySwitch: findBySwitchPort,
        // UEFI HTTP boot fetches the same iPXE builds TFTP serves, whether or not TFTP is on.
        ipxeDir: o.config.tftp.root,
        statuses: createStatusBatcher(store, metrics?.batch),
        ...(parts.admin ? { observe: parts.admin.observe, onStage: parts.admin.metrics.stage } : {}),
      });
      // reusePort off (Elysia turns it on): a second daemon on the same port must fail, not share it.
      server = app.listen({ hostname: o.host, port: o.port, reusePort: false });
      const port = server.server?.port ?? o.port;
      o.log.info(`listening on http://${o.host}:${port}`, { secureInstall: o.secureInstall });
      o.onListening?.(port);
    },
    async stop() {
      await server?.stop();
    },
  };
}

export async function runDaemon(o: DaemonOptions): Promise<number> {
  const opened = await openStore(
    parseStoreSpec(o.config.store),
    daemonSqliteOptions((m) => o.log.error(m)),
  );
  const counters = { installRefused: 0, unknownNodes: 0, statusReports: 0, refusedBy: {} };
  let tracker: Tracker | undefined;
  let seeder: ReturnType<typeof createSeeder | typeof createLunaSeeder> | undefined;
  // Created first, so the store every service gets has its writes timed; it reads the tracker
  // and the seeder only when asked, once they exist.
  const cluster = await opened.byName("cluster", "general");
  const admin = o.admin
    ? createAdmin({
        at: o.admin,
        log: o.log,
        linkMbit: o.config.admin.link_mbit,
        frontend: cluster?.frontend_address,
        view: {
          store: opened,
          counters: () => counters,
          peers: async () => (await tracker?.peers()) ?? [],
          tracker: () => tracker?.stats ?? { announces: 0, malformed: 0, unknown: 0, refused: 0, scrapes: 0 },
          seeder: () => seeder?.stats(),
        },
      })
    : undefined;
  const store = admin ? timedWrites(opened, admin.metrics.write) : opened;
  // The seeder binds the address nodes reach the head node at: the frontend address.
  const seedHost = cluster?.frontend_address || (o.host !== "0.0.0.0" ? o.host : "");
  const kind = o.config.daemon.seeder;
  // Our own seeder also dials a leecher as soon as it announces (the aria2c seeder cannot).
  const own =
    seedHost && kind !== "aria2c"
      ? createLunaSeeder({ store, host: seedHost, log: o.log, superseed: kind === "luna" })
      : undefined;
  seeder = !seedHost ? undefined : (own ?? createSeeder({ store, host: seedHost, log: o.log }));
  if (!seeder)
    o.log.warn(
      "no frontend address: the head node will not seed images (luna cluster change --frontend_address)",
    );
  const snmp = o.config.snmp;
  const poller = snmp.enabled ? createSwitchPoller({ store, log: o.log, ...pollerConfig(snmp) }) : undefined;
  const t = o.config.tftp;
  const tftp = t.enabled
    ? createTftpServer({ root: t.root, host: t.host, port: t.port, maxSessions: t.max_sessions, log: o.log })
    : undefined;
  tracker = newTracker(store, o, (h) => seeder?.peers(h) ?? [], own?.dial);
  const services = [
    ...(seeder ? [seeder] : []),
    ...(poller ? [poller] : []),
    ...(tftp ? [tftp] : []),
    httpService(store, o, { counters, tracker, admin }),
    ...(admin ? [admin.service] : []),
  ];
  const sup = await supervise(services, o.log);
  const code = await sup.done;
  await store.close();
  return code;
}

function newTracker(
  store: Store,
  o: DaemonOptions,
  seeders: (infohash: string) => PeerOut[],
  joined?: (infohash: string, ip: string, port: number) => void | Promise<void>,
): Tracker {
  const now = () => new Date();
  const admit = announceAdmitter(store, { secure: o.secureInstall, now });
  return createTracker({ store, now, seeders, log: o.log, admit, joined });
}
