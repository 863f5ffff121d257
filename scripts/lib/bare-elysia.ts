// The ceiling for bench-boot-requests: Elysia answering a constant string, compiled like luna.
// Listens on a free port (0) and prints it, so it never collides with the daemon's services.
import { Elysia } from "elysia";

const app = new Elysia().get("/", () => "ok").listen({ hostname: "127.0.0.1", port: 0 });
console.log(app.server?.port);
