/**
 * The node-facing HTTP app (Elysia): `/luna`, `/boot/*`, `/torrents/*`, `/ipxe/*`. Built from
 * options so tests drive it through `app.handle(new Request("http://localhost/..."))` and the
 * daemon listens with it; the tracker joins here with the image pipeline.
 */

import { join } from "node:path";
import { Elysia } from "elysia";
import { requireCluster } from "../domain/common.ts";
import { errorResponse, statusOf, text } from "./errors.ts";
import { createFileOpener } from "./file-opener.ts";
import { serveFile } from "./files.ts";
import { rateLimitedUnknownLog } from "./luna-options.ts";
import { handleLuna, type LunaRouteOptions } from "./luna-route.ts";
import { createStatusBatcher } from "./status-batcher.ts";

/** What the app needs of a tracker (src/torrent/tracker.ts provides it; runtime wires it). */
export interface TrackerHandler {
  announce(url: string, remoteIp: string): Promise<Response>;
  scrape(url: string): Promise<Response>;
}

type Folder = "boot" | "torrents" | "ipxe";

/** What the daemon's metrics are told about each request (absent: nothing is measured). */
export interface RequestObserver {
  /** a request answered: its route (a fixed set of names), status and time to the response */
  response(route: string, status: number, seconds: number): void;
  /** a file answered with a body (GET, 200 or 206): its folder, name and length */
  fileSent(folder: Folder, name: string, bytes: number): void;
}

export type AppOptions = Omit<LunaRouteOptions, "statuses" | "counters" | "unknownLog"> &
  Partial<Pick<LunaRouteOptions, "statuses" | "counters" | "unknownLog">> & {
    tracker?: TrackerHandler;
    /** the folder `/ipxe/*` serves (the iPXE builds, for UEFI HTTP boot); none: 404 */
    ipxeDir?: string;
    observe?: RequestObserver;
  };

const LUNA_STEPS = new Set(["boot", "discovery", "install"]);
/** The route label of a /luna request: its step, status reports apart (a fixed set). */
const lunaRoute = (q: Record<string, string | undefined>) =>
  q.step === "install" && q.status !== undefined
    ? "luna_status"
    : LUNA_STEPS.has(q.step ?? "")
      ? `luna_${q.step}`
      : "luna";

export function createApp(options: AppOptions) {
  const o: LunaRouteOptions & Pick<AppOptions, "tracker" | "ipxeDir" | "observe"> = {
    ...options,
    statuses: options.statuses ?? createStatusBatcher(options.store),
    counters: options.counters ?? { installRefused: 0, unknownNodes: 0, statusReports: 0 },
    unknownLog: options.unknownLog ?? rateLimitedUnknownLog(options.log, () => options.now().getTime()),
  };
  const ctx = { files: createFileOpener(), log: o.log };
  // The iPXE builds sit outside the cluster path (self-install puts them in the TFTP root).
  const folderPath = async (folder: Folder) =>
    folder === "ipxe" ? o.ipxeDir : join((await requireCluster(o.store)).path, folder);
  const seen = o.observe;
  /** Runs a handler, telling the observer its route, status and time (if there is one). */
  const timed = seen
    ? async (route: string, handler: () => Response | Promise<Response>): Promise<Response> => {
        const t = performance.now();
        let status = 500;
        try {
          const r = await handler();
          status = r.status;
          return r;
        } catch (e) {
          status = statusOf(e);
          throw e;
        } finally {
          seen.response(route, status, (performance.now() - t) / 1000);
        }
      }
    : (_route: string, handler: () => Response | Promise<Response>) => handler();
  const file = (folder: Folder, rawName: string, request: Request) =>
    timed(folder, async () => {
      const dir = await folderPath(folder);
      if (dir === undefined) return text("not found\n", 404);
      const head = request.method === "HEAD";
      const r = await serveFile({ folder: dir, rawName, range: request.headers.get("range"), head }, ctx);
      if (seen && !head && (r.status === 200 || r.status === 206))
        seen.fileSent(folder, rawName, Number(r.headers.get("content-length") ?? 0));
      return r;
    });
  const files =
    (folder: Folder) =>
    ({ params, request }: { params: Record<string, string>; request: Request }) =>
      file(folder, params["*"] ?? "", request);
  return (
    new Elysia()
      // HEAD on the files is answered here, before routing: Elysia answers HEAD on a wildcard
      // route by running the GET handler and reading the whole body to count it (and says
      // Content-Length: 0 for a null one), even with a .head() route of our own.
      .onRequest(({ request }) => {
        if (request.method !== "HEAD") return;
        const path = new URL(request.url).pathname;
        const m = /^\/(boot|torrents|ipxe)\/(.*)$/.exec(path);
        if (m) return file(m[1] as Folder, m[2] as string, request);
        // Elysia would run the GET handler for HEAD: a discovery or an announce with its effects.
        if (path === "/luna" || path === "/announce" || path === "/scrape") {
          return new Response(null, { status: 405, headers: { allow: "GET" } });
        }
      })
      .onError(({ error, code }) => {
        if (code === "NOT_FOUND") {
          seen?.response("other", 404, 0);
          return text("not found\n", 404);
        }
        if (code === "VALIDATION" || code === "PARSE") return text("bad request\n", 400);
        const response = errorResponse(error);
        if (response.status >= 500) o.log.error("request failed", { error: String(error) });
        return response;
      })
      // The query is parsed here, not by Elysia: its parser took 11 % of the daemon's CPU in the
      // boot-request benchmark, URLSearchParams (native) a fraction of that.
      .get("/luna", ({ request, server }) => {
        const q = queryOf(request.url);
        return timed(lunaRoute(q), () => handleLuna(q, server?.requestIP(request)?.address ?? "", o));
      })
      .get("/announce", ({ request, server }) =>
        timed("announce", () =>
          o.tracker
            ? o.tracker.announce(request.url, server?.requestIP(request)?.address ?? "")
            : text("no tracker here\n", 404),
        ),
      )
      .get("/scrape", ({ request }) =>
        timed("scrape", () => (o.tracker ? o.tracker.scrape(request.url) : text("no tracker here\n", 404))),
      )
      .get("/boot/*", files("boot"))
      .get("/torrents/*", files("torrents"))
      .get("/ipxe/*", files("ipxe"))
  );
}

/** The first value of each query parameter (a repeated one cannot override an earlier one). */
export function queryOf(url: string): Record<string, string | undefined> {
  const at = url.indexOf("?");
  // no prototype: a parameter named __proto__ or constructor is just a key
  const query: Record<string, string | undefined> = Object.create(null);
  if (at < 0) return query;
  for (const [k, v] of new URLSearchParams(url.slice(at + 1))) if (!Object.hasOwn(query, k)) query[k] = v;
  return query;
}
