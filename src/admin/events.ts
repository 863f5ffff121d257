/**
 * The status page's live feed: one Server-Sent Events stream per open page
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html). While at least one page
 * is open the daemon makes a snapshot at most once a second and pushes it only when it
 * changed, so an idle cluster costs one snapshot a second and nothing on the wire; nodes are
 * never polled, the snapshot comes from the store and the daemon's counters.
 */
import type { AdminRoute } from "./app.ts";

export interface EventHubOptions {
  snapshot: () => Promise<unknown>;
  /** ms between snapshots (default 1000) */
  intervalMs?: number;
  /** open streams at most (default 32): a page is for operators, not for crowds */
  maxClients?: number;
  onError?: (e: unknown) => void;
}

const encoder = new TextEncoder();

export function createEventHub(o: EventHubOptions) {
  const clients = new Set<ReadableStreamDefaultController<Uint8Array>>();
  let last = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  let quietTicks = 0;

  const send = (c: ReadableStreamDefaultController<Uint8Array>, chunk: string) => {
    try {
      c.enqueue(encoder.encode(chunk));
    } catch {
      clients.delete(c); // closed by the page
    }
  };

  async function tick(): Promise<void> {
    timer = undefined;
    if (clients.size === 0) return;
    try {
      const data = JSON.stringify(await o.snapshot());
      if (data !== last) {
        last = data;
        quietTicks = 0;
        for (const c of clients) send(c, `data: ${data}\n\n`);
      } else if (++quietTicks >= 15) {
        // a comment now and then, so proxies and the page see the stream is alive
        quietTicks = 0;
        for (const c of clients) send(c, ": idle\n\n");
      }
    } catch (e) {
      o.onError?.(e);
    }
    if (clients.size > 0) timer = setTimeout(tick, o.intervalMs ?? 1000);
  }

  const route: AdminRoute = (request, server) => {
    if (clients.size >= (o.maxClients ?? 32))
      return new Response("too many status pages open\n", { status: 503, headers: { "retry-after": "5" } });
    server.timeout(request, 0); // a stream is idle between changes: Bun's idle timeout must not end it
    let mine: ReadableStreamDefaultController<Uint8Array> | undefined;
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        mine = c;
        clients.add(c);
        send(c, "retry: 2000\n\n");
        if (last) send(c, `data: ${last}\n\n`);
        if (!timer) timer = setTimeout(tick, 0);
      },
      cancel() {
        if (mine) clients.delete(mine);
      },
    });
    return new Response(stream, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-store" },
    });
  };

  return {
    route,
    clients: () => clients.size,
    stop(): void {
      if (timer) clearTimeout(timer);
      timer = undefined;
      for (const c of clients) {
        try {
          c.close();
        } catch {}
      }
      clients.clear();
    },
  };
}
