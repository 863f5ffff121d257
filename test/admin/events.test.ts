/**
 * The status page's event stream (src/admin/events.ts) on a real Bun server: a snapshot is
 * pushed when it changed and not when it did not, a stream ends cleanly when its reader goes,
 * and more than `maxClients` streams are refused.
 */
import { expect, test } from "bun:test";
import { createEventHub } from "../../src/admin/events.ts";

/** Reads `data:` events from an SSE response body. */
function events(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  return {
    async next(): Promise<string> {
      for (;;) {
        const m = /^data: (.*)\n\n/m.exec(buffered);
        if (m) {
          buffered = buffered.slice((m.index ?? 0) + m[0].length);
          return m[1] as string;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        buffered += decoder.decode(value);
      }
    },
    cancel: () => reader.cancel(),
  };
}

test("the event hub pushes a snapshot only when it changed, and caps its streams", async () => {
  let version = 1;
  let snapshots = 0;
  let changedAt = 0;
  const hub = createEventHub({
    intervalMs: 5,
    maxClients: 1,
    snapshot: async () => {
      snapshots++;
      // unchanged for 20 snapshots after the first, then a new version
      if (snapshots === 21) {
        version = 2;
        changedAt = snapshots;
      }
      return { version };
    },
  });
  using server = Bun.serve({ port: 0, fetch: (req, srv) => hub.route(req, srv) });
  const r = await fetch(`http://127.0.0.1:${server.port}/`);
  expect(r.headers.get("content-type")).toBe("text/event-stream");
  const stream = events(r.body as ReadableStream<Uint8Array>);
  expect(JSON.parse(await stream.next())).toEqual({ version: 1 });
  // the next event is the changed snapshot: the 19 unchanged ones in between sent nothing
  expect(JSON.parse(await stream.next())).toEqual({ version: 2 });
  expect(changedAt).toBe(21);
  expect(snapshots).toBeGreaterThanOrEqual(21);

  const second = await fetch(`http://127.0.0.1:${server.port}/`);
  expect(second.status).toBe(503);
  await second.arrayBuffer();

  await stream.cancel();
  hub.stop();
  expect(hub.clients()).toBe(0);
});
