/**
 * A real IPMI BMC for tests: OpenIPMI's ipmi_sim (Debian package `openipmi`) on a loopback
 * address and a free UDP port, with one admin user, and a chassis whose power and identify
 * state live in files the test can read. With `sol`, its Serial-over-LAN is wired to that device
 * (ipmi_lan(5): "tcp:ADDRESS:PORT" connects to a TCP server playing the node's serial port).
 * Ready once its UDP socket is bound. Killed and removed on dispose.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const FIXTURES = join(import.meta.dir, "..", "fixtures", "ipmi");

/**
 * Shell lines for a cluster whose BMC network is the loopback 127.0.0.0/24, so the nodes' BMC
 * addresses are 127.0.0.1, .2, ... in the order they are added.
 */
export const loopbackBmcCluster = (imageTree: string) => `set -e
luna cluster init
luna cluster change --frontend_address 10.30.255.254
luna osimage add -n compute -p ${imageTree}
luna network add -n cluster -N 10.30.0.0 -P 16
luna network add -n bmcnet -N 127.0.0.0 -P 24
`;

export interface IpmiSim extends AsyncDisposable {
  port: number;
  /** "0" or "1" as the chassis last set it */
  power(): string;
  identify(): string;
  resets(): number;
}

/** A UDP port free on every one of `addresses` (bound and released; ipmi_sim takes it right after). */
export async function freeUdpPort(addresses: string[]): Promise<number> {
  for (let tries = 0; tries < 20; tries++) {
    const first = await Bun.udpSocket({ hostname: addresses[0] as string, port: 0 });
    const port = first.port;
    const others = [];
    try {
      for (const a of addresses.slice(1)) others.push(await Bun.udpSocket({ hostname: a, port }));
      return port;
    } catch {
      // taken on another address: try another port
    } finally {
      first.close();
      for (const o of others) o.close();
    }
  }
  throw new Error("no free UDP port on the loopback addresses");
}

export async function startIpmiSim(opts: {
  address: string;
  user: string;
  password: string;
  /** default: a free one */
  port?: number;
  /** SOL device, e.g. "tcp:127.0.0.1:4000" */
  sol?: string;
}): Promise<IpmiSim> {
  const bin = Bun.which("ipmi_sim", { PATH: `${process.env.PATH}:/usr/bin:/usr/sbin` });
  if (!bin) throw new Error("ipmi_sim is not installed (apt-get install openipmi)");
  const dir = mkdtempSync(join(tmpdir(), "luna-ipmisim-"));
  mkdirSync(join(dir, "state"));
  mkdirSync(join(dir, "persist"));
  copyFileSync(join(FIXTURES, "chassis.sh"), join(dir, "chassis.sh"));
  copyFileSync(join(FIXTURES, "bmc.emu"), join(dir, "bmc.emu"));
  const port = opts.port ?? (await freeUdpPort([opts.address]));
  const conf = readFileSync(join(FIXTURES, "lan.conf.in"), "utf8")
    .replace("@ADDR@", `${opts.address} ${port}`)
    .replaceAll("@DIR@", dir)
    .replace("@USER@", opts.user)
    .replace("@PASSWORD@", opts.password)
    .concat(opts.sol ? `  sol "${opts.sol}" 115200\n` : "");
  writeFileSync(join(dir, "lan.conf"), conf);
  const proc = Bun.spawn(
    [bin, "-c", join(dir, "lan.conf"), "-f", join(dir, "bmc.emu"), "-s", join(dir, "persist"), "-n"],
    {
      cwd: dir,
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
    },
  );
  const dispose = async () => {
    proc.kill("SIGKILL");
    await proc.exited;
    rmSync(dir, { recursive: true, force: true });
  };
  let log = "";
  const decoder = new TextDecoder();
  (async () => {
    for await (const chunk of proc.stderr) log = (log + decoder.decode(chunk)).slice(-4000);
  })().catch(() => undefined);
  try {
    await untilBound(opts.address, port, proc.exited);
  } catch (e) {
    await dispose();
    throw new Error(`ipmi_sim did not start: ${(e as Error).message} ${log}`);
  }
  const read = (name: string, dflt: string) =>
    existsSync(join(dir, "state", name)) ? readFileSync(join(dir, "state", name), "utf8").trim() : dflt;
  return {
    port,
    power: () => read("power", "0"),
    identify: () => read("identify", ""),
    resets: () => read("resets", "").split("\n").filter(Boolean).length,
    [Symbol.asyncDispose]: dispose,
  };
}

/**
 * Waits until ipmi_sim's UDP socket is bound (it binds before running the command file). With
 * its console on (no -n) it stops answering after a dozen sessions, so there is no prompt to
 * wait for: the socket table in /proc/net/udp is the condition.
 */
async function untilBound(address: string, port: number, exited: Promise<number>): Promise<void> {
  const hex = address
    .split(".")
    .reverse()
    .map((o) => Number(o).toString(16).padStart(2, "0"))
    .join("")
    .toUpperCase();
  const local = `${hex}:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  let code: number | undefined;
  exited.then((c) => {
    code = c;
  });
  const deadline = performance.now() + 10_000;
  while (!readFileSync("/proc/net/udp", "utf8").includes(` ${local} `)) {
    if (code !== undefined) throw new Error(`exited with status ${code}`);
    if (performance.now() > deadline) throw new Error(`nothing bound to ${address}:${port} after 10 s`);
    await Bun.sleep(5);
  }
}
