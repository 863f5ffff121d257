/**
 * `luna node status --watch` through the compiled binary, reading the SQLite store that this
 * test changes between rounds as the daemon would (statuses, tracker peers): as lines when
 * stdout is a pipe, as NDJSON with --json, and redrawn in place under a pseudo-terminal
 * (util-linux `script`), where Ctrl-C is a real ^C typed into the terminal.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Node, Peer } from "../../src/domain/model.ts";
import { withStatus } from "../../src/domain/status.ts";
import type { Store } from "../../src/domain/store.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { lunaBinary, type Sandbox, sandbox } from "../helpers/luna.ts";
import { streamText } from "../helpers/stream-text.ts";

let box: Sandbox;
let store: Store;

beforeAll(async () => {
  box = await sandbox();
  const setup = await box.sh(`set -e
luna cluster init
luna network add -n cluster -N 10.30.0.0 -P 16
luna osimage add -n compute -p ${box.imageTree()}
luna group add -n compute -o compute -i eth0
luna group change -n compute --interface eth0 --setnet cluster
luna node add -g compute
luna node add -g compute
luna node add -g compute`);
  expect(setup).toMatchObject({ code: 0, stderr: "" });
  store = openSqliteStore(box.store);
});

afterAll(async () => {
  await store?.close();
  await box?.[Symbol.asyncDispose]();
});

/** Reports a stage for a node, as the daemon's status route does. */
const report = (name: string, step: string) =>
  store.write(async (tx) => {
    const n = (await tx.byName("node", name)) as Node;
    await tx.update("node", withStatus(n, step, new Date().toISOString()));
  });

/** An announce as the tracker records it. */
const announce = (ip: string, downloaded: number, left: number) =>
  store.write(async (tx) => {
    const name = `${"ab".repeat(20)}/${ip}/6881`;
    const old = await tx.byName("peer", name);
    const peer: Peer = {
      id: old?.id ?? `peer-${ip}`,
      name,
      infohash: "ab".repeat(20),
      ip,
      port: 6881,
      peerid: "-AR1360-000000000000",
      uploaded: 0,
      downloaded,
      left,
      event: "",
      updated: new Date().toISOString(),
    };
    if (old) await tx.update("peer", peer);
    else await tx.insert("peer", peer);
  });

async function spawn(argv: string[]) {
  const proc = Bun.spawn(argv, {
    cwd: box.dir,
    env: { PATH: "/usr/bin:/bin", HOME: box.dir, LUNA_STORE: `sqlite:${box.store}`, LUNA_CONFIG: "" },
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  return { proc, out: streamText(proc.stdout), err: streamText(proc.stderr) };
}

test("without a terminal, --watch prints what changed between rounds and ends with 0 on SIGINT", async () => {
  const { proc, out, err } = await spawn([await lunaBinary(), "node", "status", "-w", "--interval", "0.2"]);
  try {
    await out.until(/Z idle 3 \| done 0\/3\n/);
    expect(out.text()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ node001 -\n.*node002 -\n.*node003 -\n/);
    const quiet = out.text().length;

    await report("node001", "boot.request");
    await out.until(/Z node001 boot\.request\n/);
    await out.until(/Z idle 2, boot 1 \| done 0\/3 \| elapsed \d:\d\d:\d\d\n/);

    const ip = ((await store.byName("node", "node001")) as Node).interfaces.eth0?.ip4 as string;
    await announce(ip, 400, 600);
    await announce("10.30.0.200", 1000, 0); // another member of the swarm
    await report("node001", "install.request");
    await report("node001", "install.download");
    await out.until(/Z node001 install\.download 40% peers 1\n/);

    await report("node002", "boot.request");
    await report("node002", "install.error.download");
    await out.until(/Z node002 install\.error\.download\n/);
    await out.until("idle 1, install 1, failed 1 | done 0/3");

    expect((await box.luna(["node", "delete", "node003"])).code).toBe(0);
    await out.until(/Z node003 deleted\n/);
    // Only changes are printed: node002's line appeared once although many rounds passed since.
    expect(
      out
        .text()
        .slice(quiet)
        .match(/node002 install\.error\.download/g),
    ).toHaveLength(1);
  } finally {
    proc.kill("SIGINT");
  }
  expect(await proc.exited).toBe(0);
  await out.ended();
  await err.ended();
  expect(err.text()).toBe("");
  expect(out.text()).not.toContain("\x1b");
});

test("--watch --json prints one JSON object per line per round", async () => {
  const { proc, out } = await spawn([
    await lunaBinary(),
    "node",
    "status",
    "node[001-002]",
    "-w",
    "--json",
    "--interval",
    "0.2",
  ]);
  try {
    await out.until(/\n.*\n/); // two rounds
  } finally {
    proc.kill("SIGINT");
  }
  expect(await proc.exited).toBe(0);
  await out.ended();
  const rounds = out
    .text()
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l));
  expect(rounds.length).toBeGreaterThanOrEqual(2);
  expect(rounds[0].nodes.map((n: { name: string }) => n.name)).toEqual(["node001", "node002"]);
  expect(rounds[0].summary).toMatchObject({ total: 2, families: { install: 1, failed: 1 } });
  expect(rounds[0].nodes[0].peers).toBe(1);
});

test("--watch refuses an unknown node, and --interval out of bounds or without --watch", async () => {
  expect(await box.luna(["node", "status", "-w", "node009"])).toMatchObject({ code: 3, stdout: "" });
  const slow = await box.luna(["node", "status", "-w", "--interval", "0"]);
  expect(slow).toMatchObject({ code: 2, stderr: expect.stringContaining("Invalid --interval '0'") });
  const alone = await box.luna(["node", "status", "--interval", "2"]);
  expect(alone).toMatchObject({
    code: 2,
    stderr: "luna: Option '--interval' goes with --watch. luna node status -w --interval 2\n",
  });
});

test("in a terminal, --watch redraws in place and Ctrl-C leaves the cursor shown", async () => {
  const bin = await lunaBinary();
  const { proc, out } = await spawn([
    "script",
    "-qfec",
    `stty cols 120 rows 30 && exec ${bin} node status -w --interval 0.2`,
    "/dev/null",
  ]);
  try {
    await out.until(/node002[^\n]*install\.error\.download/);
    const frames = () => out.text().split("\x1b[H").length - 1;
    const seen = frames();
    await out.until(() => frames() > seen); // a later round, drawn over the one before
    expect(out.text().startsWith("\x1b[?25l\x1b[2J\x1b[H")).toBe(true);
    // the title line fills the 120 columns the terminal has, and no line is wider
    expect(out.text()).toMatch(
      /\x1b\[Hluna node status, every 0\.2s \(Ctrl-C ends\) {70}\d\d:\d\d:\d\d\x1b\[K\r\n/,
    );
    expect(out.text()).toContain("\x1b[J");
    expect(out.text()).toMatch(/\| node001 +\| install\.download +\| \d:\d\d:\d\d +\| 40% +\| 1 +\|/);
    for (const line of out.text().split(/\r\n|\x1b\[H/))
      expect(line.replace(/\x1b\[[?0-9;]*[A-Za-z]/g, "").length).toBeLessThanOrEqual(120);
    proc.stdin.write("\x03"); // Ctrl-C typed into the terminal: the tty sends SIGINT
    proc.stdin.flush();
  } catch (e) {
    proc.kill("SIGKILL");
    throw e;
  }
  const deadline = AbortSignal.timeout(15_000);
  const timedOut = new Promise((resolve) => deadline.addEventListener("abort", () => resolve("timeout")));
  const code = await Promise.race([proc.exited, timedOut]);
  if (code === "timeout") proc.kill("SIGKILL");
  expect(code).toBe(0);
  await out.ended();
  expect(out.text()).toEndWith("\x1b[?25h\r\n");
});
