/**
 * Unknown hardware is adopted by the operator, not by the network: `luna node unknown --adopt
 * MAC -n NODE | -g GROUP` through the compiled binary, on a store where a real discovery
 * recorded the hardware (and the switch port the poller saw it on).
 */
import { expect, test } from "bun:test";
import { discover } from "../../src/domain/boot/discovery.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { sandbox } from "../helpers/luna.ts";

const SETUP = (image: string) => `set -e
luna cluster init
luna cluster change --frontend_address 10.30.255.254
luna osimage add -n compute -p ${image}
luna network add -n cluster -N 10.30.0.0 -P 16
luna network add -n ipmi -N 10.31.0.0 -P 16
luna switch add -n switch01 --oid .1.3.6.1.2.1.17.7.1.2.2.1.2 --ip 10.31.253.21
luna group add -n compute -i eth0 -o compute
luna group change -n compute --interface eth0 --setnet cluster
luna node add -g compute
luna node change -n node001 --mac 52:54:00:00:00:01
`;

async function recordUnknown(storePath: string, mac: string, port?: string) {
  const store = openSqliteStore(storePath);
  try {
    await store.write(async (tx) => {
      const r = await discover(tx, {
        hw: { macs: [mac], serial: "SER9" },
        remoteIp: "10.30.200.9",
        now: new Date().toISOString(),
        byName: "unbound",
      });
      expect(r.found).toBe(false);
      if (port && !r.found && r.unknown) {
        const sw = await tx.byName("switch", "switch01");
        await tx.update("unknown", { ...r.unknown, switch: sw?.id ?? null, port });
      }
    });
  } finally {
    await store.close();
  }
}

test("--adopt binds unknown hardware to a named node or a new node of a group, with its switch port", async () => {
  await using box = await sandbox();
  expect((await box.sh(SETUP(box.imageTree()))).code).toBe(0);
  await recordUnknown(box.store, "52:54:00:00:00:aa", "7");
  await recordUnknown(box.store, "52:54:00:00:00:bb");
  const listed = JSON.parse((await box.luna(["node", "unknown", "--json"])).stdout);
  expect(listed.map((u: { macs: string[] }) => u.macs[0])).toEqual([
    "52:54:00:00:00:aa",
    "52:54:00:00:00:bb",
  ]);

  const byGroup = await box.luna(["node", "unknown", "--adopt", "52:54:00:00:00:aa", "-g", "compute"]);
  expect(byGroup).toEqual({
    code: 0,
    stdout: "node002 has MAC 52:54:00:00:00:aa (switch port 7)\n",
    stderr: "",
  });
  const node2 = JSON.parse((await box.luna(["node", "show", "node002", "--json"])).stdout);
  expect(node2).toMatchObject({ mac: "52:54:00:00:00:aa", switch: "switch01", port: "7" });

  // The operator may replace a node's MAC this way (the network never can).
  const byName = await box.luna(["node", "unknown", "--adopt", "52-54-00-00-00-BB", "-n", "node001"]);
  expect(byName.code).toBe(0);
  expect(JSON.parse((await box.luna(["node", "show", "node001", "--json"])).stdout).mac).toBe(
    "52:54:00:00:00:bb",
  );
  expect(JSON.parse((await box.luna(["node", "unknown", "--json"])).stdout)).toEqual([]);
});

test("--adopt refuses what it cannot do, and changes nothing", async () => {
  await using box = await sandbox();
  expect((await box.sh(SETUP(box.imageTree()))).code).toBe(0);
  await recordUnknown(box.store, "52:54:00:00:00:aa");
  const before = box.dump();
  const cases: [string[], number, RegExp][] = [
    [["--adopt", "52:54:00:00:00:cc", "-n", "node001"], 3, /No unknown hardware with MAC 52:54:00:00:00:cc/],
    [["--adopt", "52:54:00:00:00:aa"], 2, /needs one of -n NODE or -g GROUP/],
    [
      ["--adopt", "52:54:00:00:00:aa", "-n", "node001", "-g", "compute"],
      2,
      /needs one of -n NODE or -g GROUP/,
    ],
    [["--adopt", "52:54:00:00:00:aa", "-n", "nosuch"], 3, /No node named 'nosuch'/],
    [["--adopt", "52:54:00:00:00:aa", "-g", "nosuch"], 3, /No group named 'nosuch'/],
    [["--adopt", "not-a-mac", "-n", "node001"], 2, /MAC/],
    [["-n", "node001"], 2, /-n and -g go with --adopt MAC/],
  ];
  for (const [args, code, message] of cases) {
    const r = await box.luna(["node", "unknown", ...args]);
    expect([args.join(" "), r.code]).toEqual([args.join(" "), code]);
    expect(r.stderr).toMatch(message);
  }
  expect(box.dump()).toBe(before);
});

test("node show tells which address a node booted from and its credential, never the credential's hash", async () => {
  await using box = await sandbox();
  expect((await box.sh(SETUP(box.imageTree()))).code).toBe(0);
  const store = openSqliteStore(box.store);
  await store.write(async (tx) => {
    const n = await tx.byName("node", "node001");
    if (!n) throw new Error("no node001");
    const credential = {
      hash: "ab".repeat(32),
      ip: "10.30.0.1",
      issued: "2026-12-01T10:00:00.000Z",
      expires: "2099-12-01T14:00:00.000Z",
      reissued: 2,
      previous_ip: "10.30.200.66",
    };
    await tx.update("node", { ...n, bootip: "10.30.0.1", credential });
  });
  await store.close();
  const json = JSON.parse((await box.luna(["node", "show", "node001", "--json"])).stdout);
  expect(json.bootip).toBe("10.30.0.1");
  expect(json.credential).toEqual({
    ip: "10.30.0.1",
    issued: "2026-12-01T10:00:00.000Z",
    expires: "2099-12-01T14:00:00.000Z",
    reissued: 2,
    previous_ip: "10.30.200.66",
  });
  const text = (await box.luna(["node", "show", "node001"])).stdout;
  expect(text).toContain("re-issued 2x (before: 10.30.200.66)");
  expect(text + JSON.stringify(json)).not.toContain("ab".repeat(32));
});
