/**
 * `luna node console` through the compiled binary against OpenIPMI's ipmi_sim, whose
 * Serial-over-LAN is wired to a TCP server in this test playing the node's serial port, and
 * against DMTF-shaped Redfish BMCs that advertise (or not) where their console is.
 *   node001  IPMI, ipmi_sim with SOL            127.0.0.1
 *   node002  IPMI, bmcsetup with a wrong password 127.0.0.2
 *   node003  Redfish naming IPMI SOL on an ipmi_sim at the same address 127.0.0.3
 *   node004  Redfish naming SSH only            127.0.0.4
 *   node005  Redfish naming no console          127.0.0.5
 *   node006  group with a bmcsetup but no BMC network
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Socket } from "bun";
import { freeUdpPort, type IpmiSim, loopbackBmcCluster, startIpmiSim } from "../helpers/ipmi-sim.ts";
import { lunaBinary, type Sandbox, sandbox } from "../helpers/luna.ts";
import { type RedfishBmc, startRedfishBmc } from "../helpers/redfish-bmc.ts";
import { streamText } from "../helpers/stream-text.ts";

const PASSWORD = "s3cret-sol";

/** A TCP server ipmi_sim connects its SOL to: the node's serial port, as the test sees it. */
function serialLine() {
  let received = "";
  let wake = () => {};
  let connected: (s: Socket) => void = () => {};
  const socket = new Promise<Socket>((resolve) => {
    connected = resolve;
  });
  const server = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open: (s) => connected(s),
      data(_s, data) {
        received += data.toString();
        wake();
      },
    },
  });
  return {
    port: server.port,
    socket,
    async until(piece: string): Promise<void> {
      const deadline = AbortSignal.timeout(15_000);
      while (!received.includes(piece)) {
        if (deadline.aborted) throw new Error(`serial line never got ${JSON.stringify(piece)}: ${received}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          deadline.addEventListener("abort", () => resolve(), { once: true });
        });
      }
    },
    stop: () => server.stop(true),
  };
}

/** Processes whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid;
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

let box: Sandbox;
let serial1: ReturnType<typeof serialLine>;
let serial3: ReturnType<typeof serialLine>;
const bmcs: AsyncDisposable[] = [];
let rf: RedfishBmc[];

beforeAll(async () => {
  serial1 = serialLine();
  serial3 = serialLine();
  const port = await freeUdpPort(["127.0.0.1", "127.0.0.2", "127.0.0.3"]);
  const sims: IpmiSim[] = await Promise.all([
    startIpmiSim({
      address: "127.0.0.1",
      port,
      user: "ladmin",
      password: PASSWORD,
      sol: `tcp:127.0.0.1:${serial1.port}`,
    }),
    startIpmiSim({ address: "127.0.0.2", port, user: "ladmin", password: PASSWORD }),
    startIpmiSim({
      address: "127.0.0.3",
      port,
      user: "ladmin",
      password: PASSWORD,
      sol: `tcp:127.0.0.1:${serial3.port}`,
    }),
  ]);
  bmcs.push(...sims);
  const redfish = (hostname: string, serialConsole: unknown) =>
    startRedfishBmc({ hostname, user: "ladmin", password: PASSWORD, serialConsole });
  rf = await Promise.all([
    redfish("127.0.0.3", { MaxConcurrentSessions: 1, IPMI: { ServiceEnabled: true, Port: port } }),
    redfish("127.0.0.4", {
      IPMI: { ServiceEnabled: false },
      SSH: { ServiceEnabled: true, Port: 2222, ConsoleEntryCommand: "console com2" },
    }),
    redfish("127.0.0.5", undefined),
  ]);
  bmcs.push(...rf);
  box = await sandbox();
  const [rf3, rf4, rf5] = rf as [RedfishBmc, RedfishBmc, RedfishBmc];
  const setup = await box.sh(`${loopbackBmcCluster(box.imageTree())}
luna bmcsetup add -n good --port ${port} --cipher 3 -p ${PASSWORD}
luna bmcsetup add -n wrong --port ${port} --cipher 3 -p nope
luna bmcsetup add -n rf3 --protocol redfish --port ${rf3.port} --insecure y -p ${PASSWORD} --cipher 3
luna bmcsetup add -n rf4 --protocol redfish --port ${rf4.port} --insecure y -p ${PASSWORD}
luna bmcsetup add -n rf5 --protocol redfish --port ${rf5.port} --insecure y -p ${PASSWORD}
for g in good wrong rf3 rf4 rf5 nobmcnet; do
  luna group add -n "$g" -i eth0 -o compute
  luna group change -n "$g" -b "\${g/nobmcnet/good}"
  luna group change -n "$g" --interface eth0 --setnet cluster
  [ "$g" = nobmcnet ] || luna group change -n "$g" --bmcnetwork --setnet bmcnet
done
i=1
for g in good wrong rf3 rf4 rf5 nobmcnet; do luna node add -g "$g" -n "node00$i"; i=$((i + 1)); done
`);
  expect(setup.stderr).toBe("");
  expect(setup.code).toBe(0);
});

afterAll(async () => {
  await box?.[Symbol.asyncDispose]();
  for (const b of bmcs) await b[Symbol.asyncDispose]();
  serial1?.stop();
  serial3?.stop();
});

describe("IPMI Serial-over-LAN against ipmi_sim", () => {
  test("console carries the serial line both ways and --log keeps what it printed", async () => {
    const log = join(box.dir, "node001.console");
    const proc = Bun.spawn([await lunaBinary(), "node", "console", "node001", "--log", log], {
      cwd: box.dir,
      env: { PATH: "/usr/bin:/bin", LUNA_STORE: `sqlite:${box.store}`, LUNA_CONFIG: "", HOME: box.dir },
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    const out = streamText(proc.stdout);
    const err = streamText(proc.stderr);
    try {
      await out.until("SOL Session operational");
      const line = await serial1.socket;
      line.write("Debian GNU/Linux 12 node001 ttyS0\r\nnode001 login: ");
      await out.until("node001 login: ");
      proc.stdin.write("root\n");
      proc.stdin.flush();
      await serial1.until("root\n");

      // The password reaches ipmitool in its environment, never in its argv (world-readable).
      const [pid] = childrenOf(proc.pid);
      expect(pid).toBeDefined();
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      expect(argv.slice(1, 13)).toEqual([
        "-I",
        "lanplus",
        "-H",
        "127.0.0.1",
        "-p",
        expect.any(String),
        "-U",
        "ladmin",
        "-C",
        "3",
        "-E",
        "sol",
      ]);
      expect(argv.join(" ")).not.toContain(PASSWORD);
      expect(readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")).toContain(`IPMI_PASSWORD=${PASSWORD}`);

      proc.stdin.end(); // ipmitool ends the session at the end of its input
      expect(await proc.exited).toBe(0);
    } finally {
      proc.kill();
    }
    expect(err.text()).not.toContain("luna:");
    const kept = readFileSync(log, "utf8");
    expect(kept).toContain("Debian GNU/Linux 12 node001 ttyS0\r\nnode001 login: ");
    expect(kept).toBe(out.text());
    expect(statSync(log).mode & 0o777).toBe(0o600);
  });

  test("a refused session ends with ipmitool's status and its error", async () => {
    const r = await box.luna(["node", "console", "node002"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Unable to establish IPMI v2 / RMCP+ session");
  });
});

describe("Redfish BMCs: the console they advertise, or a clear no", () => {
  test("a Redfish BMC that names IPMI SOL gets an ipmitool session on that port", async () => {
    const r = await box.luna(["node", "console", "node003"], "");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("[SOL Session operational");
  });

  test("a Redfish BMC with an SSH console only is named with the command to run", async () => {
    const r = await box.luna(["node", "console", "node004"]);
    expect(r).toEqual({
      code: 6,
      stdout: "",
      stderr:
        "luna: The Redfish BMC at 127.0.0.4 offers the serial console over SSH only, not IPMI Serial-over-LAN. " +
        "Connect with 'ssh -p 2222 ladmin@127.0.0.4', then 'console com2'\n",
    });
  });

  test("a Redfish BMC without SerialConsole says Redfish has no console of its own", async () => {
    const r = await box.luna(["node", "console", "node005"]);
    expect(r.code).toBe(6);
    expect(r.stderr).toStartWith(
      "luna: The Redfish BMC at 127.0.0.5 lists no serial console (ComputerSystem.SerialConsole); Redfish has no console stream of its own.",
    );
  });
});

describe("errors before any session", () => {
  test("an unknown node exits 3 and contacts no BMC", async () => {
    const r = await box.luna(["node", "console", "node999"]);
    expect(r).toEqual({
      code: 3,
      stdout: "",
      stderr: "luna: No node named 'node999'. See 'luna node list'; no BMC was contacted\n",
    });
  });

  test("a node without a BMC address exits 3 with the fix", async () => {
    const r = await box.luna(["node", "console", "node006"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      "luna: Node 'node006' has no BMC to reach: No address on interface 'BMC'. " +
        "Give it one with 'luna node change node006 --ip BMC:ADDRESS', or name the interface with -i\n",
    );
  });

  test("without ipmitool the error names the package", async () => {
    const r = await box.sh(`PATH=${box.dir}/bin luna node console node001`);
    expect(r.code).toBe(6);
    expect(r.stderr).toBe(
      "luna: ipmitool is not installed (Debian: apt-get install ipmitool; RHEL: dnf install ipmitool)\n",
    );
  });

  test("a log file that cannot be opened and a bad escape are refused", async () => {
    const r = await box.luna([
      "node",
      "console",
      "node001",
      "--log",
      join(box.dir, "no", "such", "dir", "log"),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^luna: Cannot open the console log .*: ENOENT\. /);
    const e = await box.luna(["node", "console", "node001", "--escape", "ab"]);
    expect(e).toEqual({
      code: 2,
      stdout: "",
      stderr: "luna: Invalid --escape 'ab'. Give one character, e.g. --escape '^'\n",
    });
  });
});
