/**
 * The daemon's supervisor: services start in order and stop in reverse; a signal that arrives
 * while a service is still starting stops that one once it is up and starts no later one
 * (a SIGTERM right after `luna daemon` left a half-started daemon running on a closed store).
 */
import { expect, test } from "bun:test";
import { type Service, supervise } from "../../src/runtime/supervisor.ts";

const quiet = { info() {}, warn() {}, error() {} };

function service(name: string, events: string[], gate?: Promise<void>): Service {
  return {
    name,
    async start() {
      events.push(`start ${name}`);
      await gate;
      events.push(`up ${name}`);
    },
    async stop() {
      events.push(`stop ${name}`);
    },
  };
}

test("services start in order and stop in reverse", async () => {
  const events: string[] = [];
  const sup = await supervise([service("a", events), service("b", events)], quiet, []);
  await sup.stop("test");
  expect(await sup.done).toBe(0);
  expect(events).toEqual(["start a", "up a", "start b", "up b", "stop b", "stop a"]);
});

test("a signal during a start stops that service once it is up and starts no other", async () => {
  const events: string[] = [];
  let open!: () => void;
  const gate = new Promise<void>((r) => {
    open = r;
  });
  const started = supervise([service("a", events, gate), service("b", events)], quiet, ["SIGUSR2"]);
  expect(events).toEqual(["start a"]);
  process.emit("SIGUSR2", "SIGUSR2");
  open();
  const sup = await started;
  expect(await sup.done).toBe(0);
  expect(events).toEqual(["start a", "up a", "stop a"]);
  expect(process.listenerCount("SIGUSR2")).toBe(0);
});

test("a service that cannot start stops the ones before it and sets exit code 1", async () => {
  const events: string[] = [];
  const broken: Service = {
    name: "broken",
    async start() {
      throw new Error("port in use");
    },
    async stop() {
      events.push("stop broken");
    },
  };
  const sup = await supervise([service("a", events), broken, service("c", events)], quiet, []);
  expect(await sup.done).toBe(1);
  expect(events).toEqual(["start a", "up a", "stop a"]);
});
