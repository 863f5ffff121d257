/**
 * The admin surface wired to the running daemon: the metrics (fed by the node-facing app's
 * observer, the status batcher and the store's writes; read from the counters, the tracker and
 * the seeder), the status page and its event stream, and the admin listener that serves them.
 */
import { readFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { createAdminApp } from "../admin/app.ts";
import { createEventHub } from "../admin/events.ts";
import { createAdminListener } from "../admin/listener.ts";
import { createMetrics } from "../admin/metrics.ts";
import { pageRoutes } from "../admin/page.ts";
import { pageSnapshot } from "../admin/snapshot.ts";
import type { DaemonView } from "../admin/view.ts";
import type { Store } from "../domain/store.ts";
import type { Logger } from "../lib/logger.ts";
import type { RequestObserver } from "../server/app.ts";

export interface AdminWiring {
  at: { host: string; port: number };
  log: Logger;
  /** the daemon's parts, read when a page or Prometheus asks */
  view: Omit<DaemonView, "files">;
  /** the head node's link to the nodes in Mbit/s for the page; 0: read it from sysfs for `frontend` */
  linkMbit: number;
  frontend?: string;
}

/** The speed of the interface holding `address` (/sys/class/net/IF/speed), or 0 when unknown. */
export function linkSpeedMbit(address: string | undefined): number {
  if (!address) return 0;
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (!addrs?.some((a) => a.address === address)) continue;
    try {
      const speed = Number(readFileSync(`/sys/class/net/${name}/speed`, "utf8").trim());
      return Number.isFinite(speed) && speed > 0 ? speed : 0;
    } catch {
      return 0; // virtual interfaces often have none
    }
  }
  return 0;
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
  const view = { ...o.view, files: () => sent };
  const linkMbit = o.linkMbit || linkSpeedMbit(o.frontend);
  // What the head node sent, sampled once a second: the page's upload chart has its history
  // even when opened mid-storm. While nothing moves a sample is kept only once a minute, so an
  // idle cluster's snapshot stays the same and is not pushed again.
  const history: [number, number][] = [];
  const sample = setInterval(() => {
    const now = Date.now();
    const bytes = (view.seeder()?.uploaded ?? 0) + sent.torrents;
    const last = history[history.length - 1];
    if (last && last[1] === bytes && now - last[0] < 60_000) return;
    // the second before bytes moved again, so the rate starts where the transfer did
    if (last && last[1] !== bytes && now - last[0] > 1500) history.push([now - 1000, last[1]]);
    history.push([now, bytes]);
    while (history.length > 300) history.shift();
  }, 1000);
  sample.unref();
  const hub = createEventHub({
    onError: (e) => o.log.warn("status page snapshot failed", { error: String(e) }),
    async snapshot() {
      const [nodes, groups, unknown, images, peers] = await Promise.all([
        view.store.list("node"),
        view.store.list("group"),
        view.store.list("unknown"),
        view.store.list("osimage"),
        view.peers(),
      ]);
      const head = { sent: history, linkMbit };
      return pageSnapshot({ now: new Date(), nodes, groups, unknown, images, peers, head });
    },
  });
  const handle = createAdminApp({
    ...pageRoutes({ store: view.store, events: hub.route }),
    "/metrics": async () =>
      new Response(await metrics.text(), {
        headers: { "content-type": metrics.contentType, "cache-control": "no-store" },
      }),
  });
  return {
    metrics,
    observe,
    service: createAdminListener({
      ...o.at,
      log: o.log,
      handle,
      stopping() {
        clearInterval(sample);
        hub.stop();
      },
    }),
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
