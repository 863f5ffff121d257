/**
 * The node-facing HTTP app (Elysia): `/luna`, `/boot/*`, `/torrents/*`, `/ipxe/*`. Built from
 * options so tests drive it through `app.handle(new Request("http://localhost/..."))` and the
 * daemon listens with it; the tracker joins here with the image pipeline.
 */

import { join } from "node:path";
import { Elysia } from "elysia";
import { requireCluster } from "../domain/common.ts";
import { errorResponse, text } from "./errors.ts";
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

export type AppOptions = Omit<LunaRouteOptions, "statuses" | "counters" | "unknownLog"> &
  Partial<Pick<LunaRouteOptions, "statuses" | "counters" | "unknownLog">> & {
    tracker?: TrackerHandler;
    /** the folder `/ipxe/*` serves (the iPXE builds, for UEFI HTTP boot); none: 404 */
    ipxeDir?: string;
  };

type Folder = "boot" | "torrents" | "ipxe";

export function createApp(options: AppOptions) {
  const o: LunaRouteOptions & Pick<AppOptions, "tracker" | "ipxeDir"> = {
    ...options,
    statuses: options.statuses ?? createStatusBatcher(options.store),
    counters: options.counters ?? { installRefused: 0, unknownNodes: 0, statusReports: 0 },
    unknownLog: options.unknownLog ?? rateLimitedUnknownLog(options.log, () => options.now().getTime()),
  };
  const ctx = { files: createFileOpener(), log: o.log };
  // The iPXE builds sit outside the cluster path (self-install puts them in the TFTP root).
  const folderPath = async (folder: Folder) =>
    folder === "ipxe" ? o.ipxeDir : join((await requireCluster(o.store)).path, folder);
  const file = async (folder: Folder, rawName: string, request: Request) => {
    const dir = await folderPath(folder);
    if (dir === undefined) return text("not found\n", 404);
    return serveFile(
      {
        folder: dir,
        rawName,
        range: request.headers.get("range"),
        head: request.method === "HEAD",
      },
      ctx,
    );
  };
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
        if (code === "NOT_FOUND") return text("not found\n", 404);
        if (code === "VALIDATION" || code === "PARSE") return text("bad request\n", 400);
        const response = errorResponse(error);
        if (response.status >= 500) o.log.error("request failed", { error: String(error) });
        return response;
      })
      // The query is parsed here, not by Elysia: its parser took 11 % of the daemon's CPU in the
      // boot-request benchmark, URLSearchParams (native) a fraction of that.
      .get("/luna", ({ request, server }) =>
        handleLuna(queryOf(request.url), server?.requestIP(request)?.address ?? "", o),
      )
      .get("/announce", ({ request, server }) =>
        o.tracker
          ? o.tracker.announce(request.url, server?.requestIP(request)?.address ?? "")
          : text("no tracker here\n", 404),
      )
      .get("/scrape", ({ request }) =>
        o.tracker ? o.tracker.scrape(request.url) : text("no tracker here\n", 404),
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
