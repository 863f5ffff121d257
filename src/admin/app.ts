/**
 * What the admin listener answers: a fixed table of GET routes (the status page, its script and
 * style, its event stream, the metrics). Only GET and HEAD; nothing here changes the store.
 */

export type AdminRoute = (request: Request, server: Bun.Server<undefined>) => Response | Promise<Response>;

export const text = (body: string, status = 200, type = "text/plain; charset=utf-8"): Response =>
  new Response(body, { status, headers: { "content-type": type, "cache-control": "no-store" } });

export function createAdminApp(routes: Record<string, AdminRoute>): AdminRoute {
  return (request, server) => {
    if (request.method !== "GET" && request.method !== "HEAD")
      return new Response("only GET here\n", { status: 405, headers: { allow: "GET, HEAD" } });
    const path = new URL(request.url).pathname;
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    return route ? route(request, server) : text("not found\n", 404);
  };
}
