// The ceiling for bench-boot-requests: Elysia answering a constant string, compiled like luna.
import { Elysia } from "elysia";

new Elysia().get("/", () => "ok").listen({ hostname: "127.0.0.1", port: Number(process.argv[2]) });
