/**
 * Bad input table: every row must fail with one clear line on stderr, a non-zero exit code,
 * and leave the store byte-for-byte as it was.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Sandbox, sandbox } from "../helpers/luna.ts";
import { SEED } from "../helpers/seed-walkthrough.ts";

interface Row {
  args: string[];
  stdin?: string;
  code: number;
  says: RegExp;
}

const ROWS: Row[] = [
  { args: ["node", "add", "-g", "compute", "-n", "bad name"], code: 2, says: /Invalid node name 'bad name'/ },
  { args: ["node", "add", "-g", "compute", "-n", "-x"], code: 2, says: /Option .-n. needs a value/ },
  { args: ["node", "add", "-g", "compute", "-x"], code: 2, says: /Unknown option .-x./ },
  { args: ["node", "add", "-g", "compute", "-n", ""], code: 2, says: /The node name is empty/ },
  { args: ["node", "show", "node001", "--script", "install", "--json"], code: 2, says: /not JSON/ },
  { args: ["version", "--bogus"], code: 2, says: /Unknown option '--bogus'/ },
  { args: ["node", "add", "-g", "nosuch"], code: 3, says: /No group named 'nosuch'/ },
  {
    args: ["node", "add", "-g", "compute", "-n", "node001"],
    code: 4,
    says: /node named 'node001' already exists/,
  },
  { args: ["node", "add", "-g", "compute", "-n", "node[005-003]"], code: 2, says: /runs backwards/ },
  // a newline in kernel options would start a new command in the iPXE script
  { args: ["group", "change", "compute", "--kernopts", "quiet\nshell"], code: 2, says: /line break/ },
  { args: ["osimage", "change", "compute", "--kernopts", "quiet\rshell"], code: 2, says: /line break/ },
  { args: ["cluster", "change", "--tracker_interval", "1e3"], code: 2, says: /Invalid value '1e3'/ },
  { args: ["cluster", "change", "--tracker_interval", "0x10"], code: 2, says: /Invalid value '0x10'/ },
  { args: ["node", "change", "node001", "--mac", "52:54:00:zz:00:01"], code: 2, says: /Invalid MAC address/ },
  { args: ["node", "change", "node001", "--mac"], code: 2, says: /needs a value/ },
  { args: ["node", "change", "node001", "--mac", "00:00:00:00:00:00"], code: 2, says: /all zeros/ },
  {
    args: ["node", "change", "node001", "--mac", "ff:ff:ff:ff:ff:ff"],
    code: 2,
    says: /multicast or broadcast/,
  },
  {
    args: ["node", "change", "node001", "--mac", "01:00:5e:00:00:01"],
    code: 2,
    says: /multicast or broadcast/,
  },
  // citty would store "=-hi" for -C=-hi; short options take the next word, long ones =VALUE
  { args: ["node", "change", "node001", "-C=-hi"], code: 2, says: /takes its value as the next word/ },
  { args: ["node", "change", "node001", "-C", "-hi"], code: 2, says: /Write --comment=VALUE/ },
  { args: ["node", "change", "node001", "--ip", "enp7s0:10.30.0.256"], code: 2, says: /Invalid IP address/ },
  {
    args: ["node", "change", "node001", "--ip", "enp7s0:10.99.0.1"],
    code: 4,
    says: /does not contain host address '10.99.0.1'/,
  },
  { args: ["node", "change", "node001", "--ip", "enp7s0:10.30.255.254"], code: 4, says: /already in use/ },
  {
    args: ["node", "change", "node001", "--ip", "enp7s0:10.30.255.255"],
    code: 4,
    says: /does not contain host address/,
  },
  { args: ["node", "change", "node001", "--ip", "eth9:10.30.0.9"], code: 3, says: /no interface 'eth9'/ },
  {
    args: ["node", "change", "node001", "--localboot", "maybe"],
    code: 2,
    says: /Invalid value 'maybe' for --localboot/,
  },
  { args: ["node", "change", "node[001-002]", "-s", "switch01"], code: 3, says: /No node named 'node002'/ },
  { args: ["node", "change", "node001"], code: 2, says: /Nothing to change/ },
  { args: ["node", "change", "node001", "-s", "nosuch"], code: 3, says: /No switch named 'nosuch'/ },
  { args: ["node", "show", "nosuch"], code: 3, says: /No node named 'nosuch'/ },
  { args: ["node", "rename", "node001", "--nn", "bad/name"], code: 2, says: /Invalid node name/ },
  {
    args: ["network", "add", "-n", "n2", "-N", "10.40.0.0", "-P", "33"],
    code: 2,
    says: /Invalid prefix '33'/,
  },
  { args: ["network", "add", "-n", "n2", "-N", "10.40.0.0", "-P", "0"], code: 2, says: /Invalid prefix '0'/ },
  {
    args: ["network", "add", "-n", "n2", "-N", "10.40.0", "-P", "16"],
    code: 2,
    says: /Invalid IP address '10.40.0'/,
  },
  {
    args: ["network", "add", "-n", "n2", "-N", "10.30.128.0", "-P", "17"],
    code: 4,
    says: /overlaps network 'cluster'/,
  },
  {
    args: ["network", "add", "-n", "cluster", "-N", "10.50.0.0", "-P", "16"],
    code: 4,
    says: /already exists/,
  },
  {
    args: ["network", "add", "-n", "n2", "-N", "10.50.0.0"],
    code: 2,
    says: /Missing required argument: --prefix/,
  },
  {
    args: ["network", "add", "-n", "n2", "-N", "10.50.0.0", "-P", "16", "--ns_ip", "10.60.0.1"],
    code: 4,
    says: /does not contain/,
  },
  { args: ["network", "change", "cluster", "-P", "24"], code: 4, says: /would leave .*outside/ },
  { args: ["network", "delete", "cluster"], code: 4, says: /used by \[group\/compute\]/ },
  { args: ["network", "delete", "ipmi"], code: 4, says: /used by \[group\/compute\], \[switch\/switch01\]/ },
  { args: ["osimage", "delete", "compute"], code: 4, says: /used by \[group\/compute\]/ },
  { args: ["osimage", "add", "-n", "img2", "-p", "/nonexistent/tree"], code: 3, says: /is not a directory/ },
  { args: ["bmcsetup", "delete", "base"], code: 4, says: /used by \[group\/compute\]/ },
  { args: ["bmcsetup", "add", "-n", "b2", "--userid", "x"], code: 2, says: /Invalid value 'x' for --userid/ },
  { args: ["switch", "delete", "switch01"], code: 4, says: /used by \[node\/node001\]/ },
  {
    args: ["switch", "add", "-n", "sw2", "--ip", "192.0.2.1"],
    code: 4,
    says: /No network contains 192.0.2.1/,
  },
  { args: ["switch", "add", "-n", "sw2", "--ip", "10.31.253.21"], code: 4, says: /already in use/ },
  { args: ["group", "delete", "compute"], code: 4, says: /used by \[node\/node001\]/ },
  {
    args: ["group", "change", "compute", "--post", "-e"],
    stdin: "",
    code: 2,
    says: /No text for the postscript/,
  },
  {
    args: ["group", "change", "compute", "--interface", "enp7s0", "-e"],
    stdin: "",
    code: 2,
    says: /No text for interface enp7s0/,
  },
  {
    args: ["group", "change", "compute", "--interface", "enp7s0"],
    code: 2,
    says: /What should happen to interface/,
  },
  {
    args: ["group", "change", "compute", "--interface", "enp7s0", "--setnet", "cluster"],
    code: 4,
    says: /already on network/,
  },
  { args: ["group", "change", "compute", "--setnet", "cluster"], code: 2, says: /need --interface/ },
  {
    args: ["group", "change", "compute", "--setnett", "cluster"],
    code: 2,
    says: /Unknown option '--setnett'/,
  },
  { args: ["cluster", "init"], code: 4, says: /already initialised/ },
  { args: ["cluster", "change", "--frontend_address", "10.30.300.1"], code: 2, says: /Invalid IP address/ },
  {
    args: ["cluster", "change", "--nodedigits", "zero"],
    code: 2,
    says: /Invalid value 'zero' for --nodedigits/,
  },
  { args: ["cluster", "change", "--frontend_address", "10.30.0.1"], code: 4, says: /already in use/ },
  { args: ["nosuchobject", "list"], code: 2, says: /Unknown command 'nosuchobject'/ },
  { args: ["node", "frobnicate"], code: 2, says: /Unknown command 'frobnicate'/ },
];

describe("bad input", () => {
  let box: Sandbox;
  let before: string;
  beforeAll(async () => {
    box = await sandbox();
    const seeded = await box.sh(SEED(box.imageTree()));
    expect(seeded.code).toBe(0);
    before = box.dump();
  });
  afterAll(async () => {
    await box[Symbol.asyncDispose]();
  });

  for (const row of ROWS) {
    test(`luna ${row.args.join(" ")} fails clearly and changes nothing`, async () => {
      const r = await box.luna(row.args, row.stdin);
      expect(r.stderr).toMatch(row.says);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toStartWith("luna: ");
      expect(r.code).toBe(row.code);
      expect(box.dump()).toBe(before);
    });
  }
});

test("a store that does not exist is not created by a mistyped path: only cluster init creates one", async () => {
  await using box = await sandbox();
  const typo = join(box.dir, "state", "lunna.db");
  for (const args of [
    ["node", "list"],
    ["node", "add", "-g", "compute"],
  ]) {
    const r = await box.luna(["--store", `sqlite:${typo}`, ...args]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`luna: No Luna store at ${typo}`);
    expect(r.stderr).toContain("luna cluster init");
    expect(existsSync(typo)).toBe(false);
  }
  expect((await box.luna(["--store", `sqlite:${typo}`, "cluster", "init"])).code).toBe(0);
  expect(existsSync(typo)).toBe(true);
});

test("an unwritable store path names --store and LUNA_STORE", async () => {
  await using box = await sandbox();
  const r = await box.luna(["--store", "sqlite:/proc/luna/luna.db", "node", "list"]);
  expect(r.code).toBe(5);
  expect(r.stderr).toContain("--store");
  expect(r.stderr).toContain("LUNA_STORE");
});
