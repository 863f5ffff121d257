/**
 * `luna switch poll` and `luna switch show` as an operator runs them: the compiled binary from an
 * empty folder (net-snmp bundled, strict-mode ESM) against a real SNMP agent on loopback, with
 * node001 on switch01 port 1 as in the seed README (switch01 moved to loopback, where the agent is). Bad input and a silent switch exit non-zero
 * with one line on stderr and change nothing.
 */
import { expect, test } from "bun:test";
import { sandbox } from "../helpers/luna.ts";
import { freeUdpPort, startSwitchAgent } from "../helpers/snmp-agent.ts";

const MAC = "52:54:00:00:00:01";
const LAB = (image: string, version = "2c") => `set -e
luna cluster init
luna osimage add -n compute -p ${image}
luna network add -n cluster -N 10.30.0.0 -P 16
luna network add -n lo -N 127.0.0.0 -P 8
luna switch add -n switch01 --ip 127.0.0.1 --network lo --snmp_version ${version}
luna group add -n compute -i enp7s0 -o compute
luna node add -g compute
luna node change -n node001 -s switch01 -p 1
`;
const UPLINK = Array.from({ length: 5 }, (_, i) => ({ mac: `52:54:00:00:09:0${i}`, port: 9 }));

test("luna switch poll stores and prints what switch01 learned, and switch show lists it with node001", async () => {
  await using box = await sandbox();
  await using agent = await startSwitchAgent([{ mac: MAC, port: 1, vlan: 10 }, ...UPLINK], {
    portNames: { 1: "Gi1/0/1" },
  });
  const setup = await box.sh(LAB(box.imageTree(), "1"));
  expect(setup.stderr).toBe("");
  expect(setup.code).toBe(0);

  const polled = await box.luna([
    "switch",
    "poll",
    "-n",
    "switch01",
    "--snmp_port",
    String(agent.port),
    "--json",
  ]);
  expect(polled.stderr).toBe("");
  expect(polled.code).toBe(0);
  const json = JSON.parse(polled.stdout);
  expect(json).toMatchObject({ switch: "switch01", uplinks: ["9"], skipped: 0, errors: [] });
  expect(json.learned).toEqual([
    { port: "1", portname: "Gi1/0/1", mac: MAC, vlan: 10, seen: json.polled, node: "node001" },
  ]);

  const table = await box.luna(["switch", "poll", "switch01", "--snmp_port", String(agent.port)]);
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(
    /\| 1\s+\| Gi1\/0\/1\s+\| 52:54:00:00:00:01\s+\| 10\s+\| 0:00:0\d\s+\| node001\s+\|/,
  );
  expect(table.stdout).toContain("Uplink ports (ignored for discovery): 9");

  const show = await box.luna(["switch", "show", "switch01"]);
  expect(show.code).toBe(0);
  expect(show.stdout).toMatch(/\| snmp_version\s+\| 1\s+\|/);
  expect(show.stdout).toContain("| node001");
  const shown = JSON.parse((await box.luna(["switch", "show", "switch01", "--json"])).stdout);
  expect(shown).toMatchObject({ name: "switch01", ip: "127.0.0.1", snmp_version: "1" });
  expect(shown.learned.map((r: { mac: string; node: string }) => [r.mac, r.node])).toEqual([
    [MAC, "node001"],
  ]);
});

test("a silent switch and bad SNMP flags fail with one line and change nothing", async () => {
  await using box = await sandbox();
  expect((await box.sh(LAB(box.imageTree()))).code).toBe(0);
  const before = box.dump();
  const closed = String(await freeUdpPort());
  const cases: [string[], number, RegExp][] = [
    [
      ["switch", "poll", "switch01", "--snmp_port", closed, "--timeout", "0.1", "--retries", "0"],
      6,
      /SNMP poll of switch 'switch01' \(127\.0\.0\.1:\d+\) failed: Request timed out/,
    ],
    [["switch", "change", "switch01", "--snmp_version", "3"], 2, /Invalid SNMP version '3'/],
    [
      ["switch", "add", "-n", "sw2", "--ip", "127.0.0.2", "--snmp_version", "v2"],
      2,
      /Invalid SNMP version 'v2'/,
    ],
    [["switch", "poll", "switch01", "--snmp_port", "0"], 2, /Invalid value '0' for --snmp_port/],
    [["switch", "poll", "switch01", "--max_macs", "x"], 2, /Invalid value 'x' for --max_macs/],
    [["switch", "poll", "switch01", "--timeout", "0"], 2, /Invalid value '0' for --timeout/],
    [["switch", "poll", "switch02"], 3, /No switch named 'switch02'/],
  ];
  for (const [args, code, says] of cases) {
    const r = await box.luna(args);
    expect({ args, code: r.code }).toEqual({ args, code });
    expect(r.stderr).toMatch(says);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  }
  expect(box.dump()).toBe(before);
});
