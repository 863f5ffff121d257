/**
 * Composition of `luna daemon`: the store, the node-facing HTTP server and (as they land) the
 * switch poller, tracker and seeder, each a service under one supervisor.
 */
import { createAdminApp, text } from "../admin/app.ts";
import { createAdminListener } from "../admin/listener.ts";
import { type Config, parseStoreSpec } from "../config/config.ts";
import { findBySwitchPort } from "../domain/boot/discovery-switch.ts";
import type { Store } from "../domain/store.ts";
import type { Logger } from "../lib/logger.ts";
import { announceAdmitter } from "../server/announce-admit.ts";
import { createApp } from "../server/app.ts";
import { createSwitchPoller, pollerConfig } from "../snmp/poller.ts";
import { createTftpServer } from "../tftp/server.ts";
import type { PeerOut } from "../torrent/announce.ts";
import { createLunaSeeder } from "../torrent/luna-seeder.ts";
import { createSeeder } from "../torrent/seeder.ts";
import { createTracker } from "../torrent/tracker.ts";
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

export function httpService(
  store: Store,
  o: DaemonOptions,
  seeders: (infohash: string) => PeerOut[],
): Service {
  let server: ReturnType<ReturnType<typeof createApp>["listen"]> | undefined;
  const counters = { installRefused: 0, unknownNodes: 0, statusReports: 0 };
  const now = () => new Date();
  const admit = announceAdmitter(store, { secure: o.secureInstall, now });
  const tracker = createTracker({ store, now, seeders, log: o.log, admit });
  return {
    name: "http",
    async start() {
      const app = createApp({
        store,
        log: o.log,
        now: () => new Date(),
        secureInstall: o.secureInstall,
        counters,
        tracker,
        bySwitch: findBySwitchPort,
        // UEFI HTTP boot fetches the same iPXE builds TFTP serves, whether or not TFTP is on.
        ipxeDir: o.config.tftp.root,
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
  const store = await openStore(
    parseStoreSpec(o.config.store),
    daemonSqliteOptions((m) => o.log.error(m)),
  );
  const cluster = await store.byName("cluster", "general");
  // The seeder binds the address nodes reach the head node at: the frontend address.
  const seedHost = cluster?.frontend_address || (o.host !== "0.0.0.0" ? o.host : "");
  const kind = o.config.daemon.seeder;
  const seeder = !seedHost
    ? undefined
    : kind === "aria2c"
      ? createSeeder({ store, host: seedHost, log: o.log })
      : createLunaSeeder({ store, host: seedHost, log: o.log, superseed: kind === "luna" });
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
  const services = [
    ...(seeder ? [seeder] : []),
    ...(poller ? [poller] : []),
    ...(tftp ? [tftp] : []),
    httpService(store, o, (h) => seeder?.peers(h) ?? []),
    ...(o.admin ? [adminService(o.admin, o.log)] : []),
  ];
  const sup = await supervise(services, o.log);
  const code = await sup.done;
  await store.close();
  return code;
}

function adminService(at: { host: string; port: number }, log: Logger) {
  const handle = createAdminApp({
    "/": () => text("luna admin listener\n"),
  });
  return createAdminListener({ ...at, log, handle });
}
