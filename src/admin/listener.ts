/**
 * The operators' listener (`[admin]` in luna.conf, `luna daemon --admin-host/--admin-port`):
 * metrics and the status page, on loopback by default and never on the node-facing port. A
 * service like the others, except that it never fails the daemon: a taken admin port is
 * logged, and the nodes still boot.
 */
import { isLoopback } from "../domain/net/ip.ts";
import type { Logger } from "../lib/logger.ts";

export interface AdminListenerOptions {
  host: string;
  port: number;
  log: Logger;
  /** answers one request; `server` lets a stream turn the idle timeout off */
  handle: (request: Request, server: Bun.Server<undefined>) => Response | Promise<Response>;
  /** called first when the listener stops (to end open event streams) */
  stopping?: () => void;
  /** called once it listens, with its real port */
  onListening?: (port: number) => void;
}

export function createAdminListener(o: AdminListenerOptions) {
  let server: Bun.Server<undefined> | undefined;
  return {
    name: "admin" as const,
    async start(): Promise<void> {
      try {
        server = Bun.serve({ hostname: o.host, port: o.port, reusePort: false, fetch: o.handle });
      } catch (e) {
        o.log.error("the admin listener (metrics, status page) could not start; the daemon goes on", {
          address: `${o.host}:${o.port}`,
          error: e instanceof Error ? e.message : String(e),
        });
        return;
      }
      const port = server.port ?? o.port;
      o.log.info(`admin listening on http://${o.host}:${port}`, { serves: "/metrics, the status page" });
      if (!isLoopback(o.host))
        o.log.warn(
          "the admin listener is reachable beyond loopback: keep its address off the nodes' network",
          {
            host: o.host,
          },
        );
      o.onListening?.(port);
    },
    async stop(): Promise<void> {
      o.stopping?.();
      await server?.stop(true);
      server = undefined;
    },
  };
}
