/**
 * The live status page: one HTML document, its style sheet and script (src/admin/page/, in the
 * binary as text: no build step, nothing fetched at run time), the event stream it listens to,
 * and one node's latest boot for the timeline shown on a click. A strict Content-Security-Policy
 * lets the page load only its own files, as a second guard beside the script's textContent.
 */
import { latestRun } from "../domain/status.ts";
import type { StoreReader } from "../domain/store.ts";
import { type AdminRoute, text } from "./app.ts";
import css from "./page/status.css" with { type: "text" };
// @ts-expect-error: a browser script embedded as text, not a module tsc can type (no DOM types here)
import script from "./page/status.js" with { type: "text" };

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'";

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>luna status</title>
<link rel="stylesheet" href="status.css">
<script src="status.js" defer></script>
</head>
<body>
<h1>luna <span id="total"></span> <span id="live">connecting…</span></h1>
<div id="counts" class="counts"></div>
<h2>Boot storm</h2>
<div id="storm" class="charts"></div>
<h2>Nodes <span class="muted">(click one for its latest boot)</span></h2>
<div id="timeline" hidden></div>
<div id="groups"></div>
<h2>Unknown hardware</h2>
<p id="unknown-none" class="muted">none</p>
<table><tbody id="unknown"></tbody></table>
</body>
</html>
`;

const page = (body: string, type: string) => () =>
  new Response(body, {
    headers: { "content-type": type, "cache-control": "no-store", "content-security-policy": CSP },
  });

export function pageRoutes(o: { store: StoreReader; events: AdminRoute }): Record<string, AdminRoute> {
  return {
    "/": page(HTML, "text/html; charset=utf-8"),
    "/status.css": page(css, "text/css; charset=utf-8"),
    "/status.js": page(script as string, "text/javascript; charset=utf-8"),
    "/events": o.events,
    "/favicon.ico": () => new Response(null, { status: 204 }),
    "/node": async (request) => {
      const name = new URL(request.url).searchParams.get("name") ?? "";
      const node = name.length <= 64 ? await o.store.byName("node", name) : undefined;
      if (!node) return text("no such node\n", 404);
      return Response.json(
        { name: node.name, status: node.status, stages: latestRun(node) },
        { headers: { "cache-control": "no-store" } },
      );
    },
  };
}
