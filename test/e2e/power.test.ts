/**
 * `luna node power` / `lpower` through the compiled binary against real BMCs on loopback:
 * OpenIPMI's ipmi_sim (driven by ipmitool) and a DMTF-shaped Redfish service over HTTPS.
 * node001 and node003 have simulated IPMI BMCs (node003's bmcsetup has the wrong password),
 * node002's BMC address has nothing listening, node004 has the Redfish BMC. The IPMI setups say
 * `--cipher 3`: ipmi_sim neither answers Get Channel Cipher Suites (ipmitool's probe then waits
 * out its timeout on every call) nor offers suite 17.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { freeUdpPort, type IpmiSim, loopbackBmcCluster, startIpmiSim } from "../helpers/ipmi-sim.ts";
import { type Sandbox, sandbox } from "../helpers/luna.ts";
import { type RedfishBmc, startRedfishBmc } from "../helpers/redfish-bmc.ts";

let box: Sandbox;
let sim1: IpmiSim;
let sim3: IpmiSim;
let rf: RedfishBmc;

beforeAll(async () => {
  const port = await freeUdpPort(["127.0.0.1", "127.0.0.2", "127.0.0.3"]);
  [box, sim1, sim3, rf] = await Promise.all([
    sandbox(),
    startIpmiSim({ address: "127.0.0.1", port, user: "ladmin", password: "ladmin" }),
    startIpmiSim({ address: "127.0.0.3", port, user: "ladmin", password: "ladmin" }),
    startRedfishBmc({ hostname: "127.0.0.4", user: "root", password: "calvin" }),
  ]);
  const setup = await box.sh(`${loopbackBmcCluster(box.imageTree())}
luna bmcsetup add -n good --port ${port} --cipher 3
luna bmcsetup add -n wrong --password nope --port ${port} --cipher 3
luna bmcsetup add -n rf --protocol redfish --port ${rf.port} --insecure y -u root -p calvin
for g in good wrong rf; do
  luna group add -n "$g" -i eth0 -o compute
  luna group change -n "$g" -b "$g"
  luna group change -n "$g" --interface eth0 --setnet cluster
  luna group change -n "$g" --bmcnetwork --setnet bmcnet
done
luna node add -g good -n node[001-002]
luna node add -g wrong -n node003
luna node add -g rf -n node004
`);
  expect(setup.stderr).toBe("");
  expect(setup.code).toBe(0);
  const bmcs = JSON.parse((await box.luna(["node", "show", "node[001-004]", "--json"])).stdout);
  expect(bmcs.map((n: { interfaces: { BMC: { ip4: string } } }) => n.interfaces.BMC.ip4)).toEqual([
    "127.0.0.1",
    "127.0.0.2",
    "127.0.0.3",
    "127.0.0.4",
  ]);
  symlinkSync(join(box.dir, "bin", "luna"), join(box.dir, "bin", "lpower"));
});

afterAll(async () => {
  for (const d of [rf, sim3, sim1, box]) await d?.[Symbol.asyncDispose]();
});

const power = (...args: string[]) => box.luna(["node", "power", ...args]);

describe("IPMI through ipmitool and ipmi_sim", () => {
  test("node power on/off/status round trip changes the simulated chassis", async () => {
    expect(await power("node001", "status")).toEqual({ code: 0, stdout: "node001: off\n", stderr: "" });
    expect(await power("node001", "on")).toEqual({ code: 0, stdout: "node001: on\n", stderr: "" });
    expect(sim1.power()).toBe("1");
    expect((await power("node001", "status")).stdout).toBe("node001: on\n");
    expect((await power("node001", "off")).stdout).toBe("node001: off\n");
    expect(sim1.power()).toBe("0");
    expect((await power("node001", "status")).stdout).toBe("node001: off\n");
  });

  test("reset, identify and noidentify reach the chassis", async () => {
    expect((await power("node001", "reset")).stdout).toBe("node001: reset\n");
    expect(sim1.resets()).toBe(1);
    expect((await power("node001", "identify")).stdout).toBe("node001: identify on\n");
    expect(sim1.identify()).toBe("0 1"); // interval 0 with the force bit: on until told otherwise
    expect((await power("node001", "noidentify")).stdout).toBe("node001: identify off\n");
    expect(sim1.identify()).toBe("0 0");
  });

  test("lpower (the symlink) takes the original's arguments", async () => {
    const r = await box.sh("lpower node001 on && lpower node001 status && lpower -g good off --timeout 3");
    expect(r.stdout).toStartWith("node001: on\nnode001: on\nnode001: off\n");
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/^luna: node002: /);
    expect(sim1.power()).toBe("0");
  });
});

describe("failures are one line per node, with a deadline and exit code 6", () => {
  test("closed port and wrong password beside a working BMC", async () => {
    const started = performance.now();
    const r = await power("node[001-003]", "status", "--timeout", "3");
    const seconds = (performance.now() - started) / 1000;
    expect(r.code).toBe(6);
    expect(r.stdout).toMatch(/^node001: off\nstatus: 1 ok, 2 failed \(3 nodes, [\d.]+ s\)\n$/);
    const lines = r.stderr.trimEnd().split("\n").sort();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^luna: node002: (No answer from the BMC at 127.0.0.2:\d+ within 3 s|Unable to establish)/,
    );
    expect(lines[1]).toMatch(/^luna: node003: Unable to establish IPMI v2 \/ RMCP\+ session/);
    expect(seconds).toBeLessThan(10);
  });

  test("--json carries every result and the same exit code", async () => {
    const r = await power("node001,node003", "status", "--json");
    expect(r.code).toBe(6);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ action: "status", ok: 1, failed: 1 });
    expect(out.results.map((x: { node: string; ok: boolean }) => [x.node, x.ok])).toEqual([
      ["node001", true],
      ["node003", false],
    ]);
  });

  test("a name that is no node refuses the whole list (exit 3) before any BMC is touched", async () => {
    const before = sim1.power();
    const r = await power("node001,nosuch", "cycle");
    expect(r).toEqual({
      code: 3,
      stdout: "",
      stderr: "luna: No node named 'nosuch'. See 'luna node list'; no BMC was contacted\n",
    });
    expect(sim1.power()).toBe(before);
  });

  test.each([
    [["node001"], /Which power action\?/],
    [["node001", "dance"], /Unknown power action 'dance'/],
    [["node001", "on", "--timeout", "0"], /Invalid value '0' for --timeout/],
    [["node[3-1]", "on"], /runs backwards/],
  ])("bad usage %j exits 2 without touching a BMC", async (args, says) => {
    const before = sim1.power();
    const r = await power(...args);
    expect(r.stderr).toMatch(says);
    expect(r.code).toBe(2);
    expect(sim1.power()).toBe(before);
  });
});

describe("Redfish over HTTPS", () => {
  test("status, on, cycle, identify and off use PowerState, Reset and LocationIndicatorActive", async () => {
    expect(await power("node004", "status")).toEqual({ code: 0, stdout: "node004: off\n", stderr: "" });
    expect((await power("node004", "on")).stdout).toBe("node004: on\n");
    expect(rf.state.power).toBe("On");
    expect((await power("node004", "cycle")).stdout).toBe("node004: cycle\n");
    expect((await power("node004", "identify")).stdout).toBe("node004: identify on\n");
    expect(rf.state.locator).toBe(true);
    expect((await power("node004", "off")).stdout).toBe("node004: off\n");
    expect(rf.state.resets).toEqual(["On", "PowerCycle", "ForceOff"]);
    expect((await power("node004", "status")).stdout).toBe("node004: off\n");
  });

  test.each([
    [["--insecure", "n"], /^luna: node004: The certificate of 127.0.0.4:\d+ is not trusted .*--insecure y/],
    [["-p", "wrong"], /^luna: node004: The BMC refused the credentials \(HTTP 401\)/],
    [["--port", "1"], /^luna: node004: Connection refused by 127.0.0.4:1/],
  ])("bmcsetup change rf %j makes status fail with a clear line", async (change, says) => {
    expect((await box.luna(["bmcsetup", "change", "rf", ...change])).code).toBe(0);
    try {
      const r = await power("node004", "status", "--timeout", "5");
      expect(r.stderr).toMatch(says);
      expect(r.code).toBe(6);
    } finally {
      const undo = await box.luna([
        "bmcsetup",
        "change",
        "rf",
        "--insecure",
        "y",
        "-p",
        "calvin",
        "--port",
        String(rf.port),
      ]);
      expect(undo.code).toBe(0);
    }
  });
});
