/**
 * The power runner's scheduling, with a stand-in BMC backend (the BMC is the outside world
 * here; real ones are in test/e2e/power.test.ts) and an injected pause: boot batches, the
 * concurrency limit, deadlines, and failures that never stop the other nodes.
 */
import { describe, expect, test } from "bun:test";
import type { BmcTarget, PowerAction, PowerTarget } from "../../src/domain/netsvc/power.ts";
import type { PowerBackend } from "../../src/power/backend.ts";
import { ipmitoolArgs, parseIpmitool } from "../../src/power/ipmitool.ts";
import { pickResetType } from "../../src/power/redfish.ts";
import { type PowerRunOptions, runPower } from "../../src/power/run.ts";

const bmc = (host: string): BmcTarget => ({
  protocol: "ipmi",
  host,
  port: 623,
  user: "u",
  password: "p",
  insecure: false,
  cipher: null,
});
const targets = (n: number): PowerTarget[] =>
  Array.from({ length: n }, (_, i) => ({
    node: `node${String(i + 1).padStart(3, "0")}`,
    bmc: bmc(`10.31.0.${i + 1}`),
  }));

/** A backend whose calls finish when the test says so, recording what was in flight. */
function recorder(behave: (host: string) => Promise<string> = async () => "on") {
  const log: string[] = [];
  let inFlight = 0;
  let most = 0;
  const backend: PowerBackend = {
    async run(b, action, call) {
      inFlight++;
      most = Math.max(most, inFlight);
      log.push(`start ${b.host} ${action}`);
      try {
        return await Promise.race([
          behave(b.host),
          new Promise<string>((_, reject) =>
            call.signal.addEventListener("abort", () => reject(new Error("aborted"))),
          ),
        ]);
      } finally {
        inFlight--;
      }
    },
  };
  return { backend, log, most: () => most };
}

const options = (
  backend: PowerBackend,
  action: PowerAction,
  extra: Partial<PowerRunOptions> = {},
): PowerRunOptions => ({
  action,
  concurrency: 8,
  batchSize: 0,
  batchDelayMs: 0,
  timeoutMs: 1000,
  backends: { ipmi: backend, redfish: backend },
  ...extra,
});

describe("runPower", () => {
  test("power on goes in batches with the pause between them, never within one", async () => {
    const r = recorder();
    const pauses: number[] = [];
    const sleep = async (ms: number) => {
      pauses.push(ms);
      r.log.push(`pause ${ms}`);
    };
    const results = await runPower(
      targets(5),
      options(r.backend, "on", { batchSize: 2, batchDelayMs: 1500, sleep }),
    );
    expect(results.every((x) => x.ok && x.state === "on")).toBe(true);
    expect(pauses).toEqual([1500, 1500]);
    expect(r.log.filter((l) => l.startsWith("pause")).length).toBe(2);
    expect(r.log.map((l) => l.replace(/ on$/, ""))).toEqual([
      "start 10.31.0.1",
      "start 10.31.0.2",
      "pause 1500",
      "start 10.31.0.3",
      "start 10.31.0.4",
      "pause 1500",
      "start 10.31.0.5",
    ]);
  });

  test("status ignores batches: everything at once, up to the concurrency limit", async () => {
    const r = recorder(() => new Promise((resolve) => setImmediate(() => resolve("off"))));
    const sleep = async () => {
      throw new Error("status must not pause");
    };
    await runPower(
      targets(20),
      options(r.backend, "status", { batchSize: 2, batchDelayMs: 5, concurrency: 3, sleep }),
    );
    expect(r.log).toHaveLength(20);
    expect(r.most()).toBe(3);
  });

  test("a BMC that never answers fails at the deadline while the others succeed", async () => {
    const r = recorder((host) =>
      host === "10.31.0.2" ? new Promise(() => undefined) : Promise.resolve("on"),
    );
    const results = await runPower(targets(3), options(r.backend, "status", { timeoutMs: 50 }));
    expect(results.map((x) => [x.node, x.ok, x.state ?? x.error])).toEqual([
      ["node001", true, "on"],
      ["node002", false, "No answer from the BMC at 10.31.0.2:623 within 0.05 s"],
      ["node003", true, "on"],
    ]);
  });

  test("nodes without a BMC are reported first and never reach a backend", async () => {
    const r = recorder();
    const seen: string[] = [];
    const results = await runPower([{ node: "ghost", error: "No node named 'ghost'" }, ...targets(1)], {
      ...options(r.backend, "off"),
      onResult: (x) => seen.push(x.node),
    });
    expect(seen).toEqual(["ghost", "node001"]);
    expect(results.map((x) => x.ok)).toEqual([false, true]);
    expect(r.log).toEqual(["start 10.31.0.1 off"]);
  });
});

describe("ipmitool and Redfish details", () => {
  test("ipmitool gets the password from the environment and retries that fit the deadline", () => {
    const args = ipmitoolArgs({ ...bmc("10.31.0.1"), cipher: 3 }, "cycle", 9000);
    expect(args).toEqual([
      "-I",
      "lanplus",
      "-H",
      "10.31.0.1",
      "-p",
      "623",
      "-U",
      "u",
      "-C",
      "3",
      "-E",
      "-N",
      "3",
      "-R",
      "2",
      "chassis",
      "power",
      "cycle",
    ]);
    expect(args).not.toContain("p");
  });

  test.each([
    ["status", 0, "Chassis Power is on\n", "", "on"],
    ["on", 0, "Chassis Power Control: Up/On\n", "", "on"],
    ["identify", 0, "Chassis identify interval: indefinite\n", "", "identify on"],
    [
      "status",
      1,
      "",
      "Unable to Get Channel Cipher Suites\nError: Unable to establish IPMI v2 / RMCP+ session\n",
      "!Unable to establish IPMI v2 / RMCP+ session",
    ],
    ["status", 0, "garbage\n", "", "!Unexpected answer from ipmitool: garbage"],
  ] as const)("parseIpmitool %s exit %d", (action, code, out, err, want) => {
    const got = (() => {
      try {
        return parseIpmitool(action, code, out, err);
      } catch (e) {
        return `!${(e as Error).message}`;
      }
    })();
    expect(got).toBe(want);
  });

  test.each([
    ["on", undefined, "On"],
    ["cycle", ["On", "ForceOff", "ForceRestart"], "ForceRestart"],
    ["off", ["GracefulShutdown"], "GracefulShutdown"],
    ["reset", ["On"], "!The BMC offers no reset type for 'reset' (it allows On)"],
  ] as const)("pickResetType %s with %j", (action, allowed, want) => {
    const got = (() => {
      try {
        return pickResetType(action, allowed ? [...allowed] : undefined);
      } catch (e) {
        return `!${(e as Error).message}`;
      }
    })();
    expect(got).toBe(want);
  });
});
