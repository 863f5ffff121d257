/**
 * The admin surface wired to the running daemon: the metrics (fed by the node-facing app's
 * observer, the status batcher and the store's writes; read from the counters, the tracker and
 * the seeder) and the admin listener that serves them.
 */
import { createAdminApp } from "../admin/app.ts";
import { createAdminListener } from "../admin/listener.ts";
import { createMetrics } from "../admin/metrics.ts";
import type { DaemonView } from "../admin/view.ts";
import type { Store } from "../domain/store.ts";
import type { Logger } from "../lib/logger.ts";
import type { RequestObserver } from "../server/app.ts";

export interface AdminWiring {
  at: { host: string; port: number };
  log: Logger;
  /** the daemon's parts, read when a page or Prometheus asks */
  view: Omit<DaemonView, "files">;
}

export function createAdmin(o: AdminWiring) {
  const sent = { boot: 0, torrents: 0, ipxe: 0, byName: new Map<string, number>() };
  const metrics = createMetrics({ ...o.view, files: () => sent });
  const observe: RequestObserver = {
    response: metrics.request,
    fileSent(folder, name, bytes) {
      sent[folder] += bytes;
      if (folder === "torrents") sent.byName.set(name, (sent.byName.get(name) ?? 0) + bytes);
    },
  };
  const handle = createAdminApp({
    "/metrics": async () =>
      new Response(await metrics.text(), {
        headers: { "content-type": metrics.contentType, "cache-control": "no-store" },
      }),
  });
  return {
    metrics,
    observe,
    service: createAdminListener({ ...o.at, log: o.log, handle }),
  };
}

/** The store with every write timed (the rest untouched: the store's methods use no `this`). */
export function timedWrites(store: Store, observe: (seconds: number) => void): Store {
  return {
    ...store,
    async write(fn) {
      const t = performance.now();
      try {
        return await store.write(fn);
      } finally {
        observe((performance.now() - t) / 1000);
      }
    },
  };
}
