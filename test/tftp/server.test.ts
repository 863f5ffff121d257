/**
 * The daemon's TFTP server against real clients (curl, tftp-hpa, atftp from Debian) and
 * against a raw UDP socket for what clients never send: bad packets, a second transfer ID,
 * missing ACKs, write requests, paths out of the folder, more sessions than allowed.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { udp } from "bun";
import { createTftpServer, type TftpServer } from "../../src/tftp/server.ts";

let dir: string;
let root: string;
let server: TftpServer;
const warnings: string[] = [];
const ROM = new Uint8Array(70_000).map((_, i) => (i * 31 + 7) & 255); // 137 blocks of 512: several wraps of a byte

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "luna-tftp-"));
  root = join(dir, "tftp");
  mkdirSync(join(root, "efi"), { recursive: true });
  writeFileSync(join(root, "undionly.kpxe"), ROM);
  writeFileSync(join(root, "efi", "ipxe.efi"), "EFI");
  writeFileSync(join(root, "empty.bin"), "");
  writeFileSync(join(root, "exact.bin"), new Uint8Array(1024)); // two full 512-byte blocks, then an empty one
  writeFileSync(join(dir, "secret"), "head node secret");
  symlinkSync(join(dir, "secret"), join(root, "link-out"));
  symlinkSync("undionly.kpxe", join(root, "link-in"));
  server = createTftpServer({
    root,
    host: "127.0.0.1",
    port: 0,
    log: { info() {}, warn: (m, f) => warnings.push(`${m} ${JSON.stringify(f)}`) },
    maxSessions: 4,
    timeoutS: 1,
    retries: 2,
  });
  await server.start();
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a client asynchronously: the server answers from this same process's event loop. */
async function run(argv: string[]) {
  const p = Bun.spawn(argv, { cwd: dir, stdout: "pipe", stderr: "pipe" });
  const [code, out, err] = await Promise.all([
    p.exited,
    new Response(p.stdout).bytes(),
    new Response(p.stderr).text(),
  ]);
  return { code, out: Buffer.from(out), err };
}

test("curl fetches whole files, with and without blksize, and links inside the folder", async () => {
  for (const extra of [[], ["--tftp-blksize", "1428"], ["--tftp-no-options"]]) {
    const r = await run(["curl", "-sS", ...extra, `tftp://127.0.0.1:${server.port()}/undionly.kpxe`]);
    expect([extra.join(" "), r.code, r.err]).toEqual([extra.join(" "), 0, ""]);
    expect(new Uint8Array(r.out)).toEqual(ROM);
  }
  const get = async (name: string) =>
    (await run(["curl", "-sS", `tftp://127.0.0.1:${server.port()}/${name}`])).out;
  expect((await get("efi/ipxe.efi")).toString()).toBe("EFI");
  expect((await get("empty.bin")).length).toBe(0);
  expect((await get("exact.bin")).length).toBe(1024);
  expect(new Uint8Array(await get("link-in"))).toEqual(ROM);
});

test("tftp-hpa and atftp fetch the ROM; atftp negotiates blksize and tsize", async () => {
  const hpa = await run([
    "tftp",
    "-m",
    "binary",
    "127.0.0.1",
    String(server.port()),
    "-c",
    "get",
    "undionly.kpxe",
    "hpa.out",
  ]);
  expect(hpa.code).toBe(0);
  expect(new Uint8Array(readFileSync(join(dir, "hpa.out")))).toEqual(ROM);
  const a = await run([
    "atftp",
    "--option",
    "blksize 1024",
    "--option",
    "tsize",
    "-g",
    "-r",
    "undionly.kpxe",
    "-l",
    "atftp.out",
    "127.0.0.1",
    String(server.port()),
  ]);
  expect(a.code).toBe(0);
  expect(new Uint8Array(readFileSync(join(dir, "atftp.out")))).toEqual(ROM);
});

test("names out of the folder, missing files and symlinks out are 'file not found'", async () => {
  for (const name of [
    "../secret",
    "/../secret",
    "efi/../../secret",
    "link-out",
    "nosuch",
    "efi",
    "a\\b",
    "%2e%2e/secret",
  ]) {
    const r = await run(["curl", "-sS", `tftp://127.0.0.1:${server.port()}/${name}`]);
    expect([name, r.code]).not.toEqual([name, 0]);
    expect(r.out.toString()).not.toContain("head node secret");
  }
  expect(warnings.some((w) => w.includes("leads out of the folder"))).toBe(true);
});

/** A raw client: one UDP socket; `next` waits (bounded) for the next packet. */
async function rawClient() {
  const inbox: { buf: Uint8Array; port: number }[] = [];
  const waiters: (() => void)[] = [];
  const sock: udp.Socket<"buffer"> = await Bun.udpSocket({
    hostname: "127.0.0.1",
    socket: {
      data(_s, buf, port) {
        inbox.push({ buf: new Uint8Array(buf), port });
        waiters.shift()?.();
      },
    },
  });
  return {
    sock,
    send: (bytes: number[] | Uint8Array, port = server.port()) =>
      sock.send(Uint8Array.from(bytes), port, "127.0.0.1"),
    async next(ms = 5000) {
      if (inbox.length === 0) {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error("no packet")), ms);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      return inbox.shift() as { buf: Uint8Array; port: number };
    },
    close: () => sock.close(),
  };
}
/** Waits (bounded: 10 s) until no transfer is left, e.g. one whose client never ACKed its end. */
async function idle() {
  for (let i = 0; i < 100 && server.activeSessions() > 0; i++) await Bun.sleep(100);
  expect(server.activeSessions()).toBe(0);
}
const rrq = (name: string, ...opts: string[]) =>
  Uint8Array.from([0, 1, ...[name, "octet", ...opts].flatMap((s) => [...new TextEncoder().encode(s), 0])]);
const op = (p: Uint8Array) => (p[0] as number) * 256 + (p[1] as number);
const code = (p: Uint8Array) => (p[2] as number) * 256 + (p[3] as number);

test("bad packets get ERROR 4; a write request gets ERROR 2; an ERROR is not answered", async () => {
  const c = await rawClient();
  try {
    for (const bad of [
      [0],
      [0, 1, 65, 66],
      [0, 9, 0, 0],
      [0, 3, 0, 1, 1, 2],
      [0, 1, 97, 0, 111, 99, 116, 101, 116, 0, 98, 108, 0],
    ]) {
      c.send(bad);
      const r = await c.next();
      expect([bad.join(","), op(r.buf), code(r.buf)]).toEqual([bad.join(","), 5, 4]);
    }
    c.send([0, 2, ...new TextEncoder().encode("x"), 0, ...new TextEncoder().encode("octet"), 0]);
    const w = await c.next();
    expect([op(w.buf), code(w.buf)]).toEqual([5, 2]);
    c.send([0, 5, 0, 0, 0]);
    c.send(rrq("nosuch"));
    const nf = await c.next();
    // the ERROR sent before was not answered: the next packet is the reply to the request
    expect([op(nf.buf), code(nf.buf)]).toEqual([5, 1]);
  } finally {
    c.close();
  }
});

test("a transfer retransmits on timeout, ignores duplicate ACKs and other transfer IDs, and gives up", async () => {
  await idle();
  const c = await rawClient();
  const intruder = await rawClient();
  try {
    c.send(rrq("undionly.kpxe", "blksize", "1024", "tsize", "0", "timeout", "1"));
    const oack = await c.next();
    expect(op(oack.buf)).toBe(6);
    expect(new TextDecoder().decode(oack.buf.subarray(2)).split("\0")).toEqual([
      "blksize",
      "1024",
      "tsize",
      "70000",
      "timeout",
      "1",
      "",
    ]);
    const tid = oack.port;
    expect(tid).not.toBe(server.port());
    // Another host's packet to the session's port: ERROR 5 to it, the session goes on.
    intruder.send([0, 4, 0, 0], tid);
    const e5 = await intruder.next();
    expect([op(e5.buf), code(e5.buf)]).toEqual([5, 5]);
    c.send([0, 4, 0, 0], tid);
    const d1 = await c.next();
    expect([op(d1.buf), code(d1.buf), d1.buf.length]).toEqual([3, 1, 1028]);
    c.send([0, 4, 0, 0], tid); // a duplicate ACK of the OACK: no resend (sorcerer's apprentice)
    // No ACK for block 1: the same block comes again after the timeout, twice, then nothing.
    const again = await c.next(3000);
    expect([op(again.buf), code(again.buf)]).toEqual([3, 1]);
    const third = await c.next(3000);
    expect([op(third.buf), code(third.buf)]).toEqual([3, 1]);
    const abandoned = server.stats.abandoned;
    await idle();
    expect(server.stats.abandoned).toBe(abandoned + 1);
  } finally {
    c.close();
    intruder.close();
  }
});

test("sessions are bounded: past the limit a request gets 'server busy'", async () => {
  await idle();
  const clients = await Promise.all(Array.from({ length: 5 }, () => rawClient()));
  try {
    const replies = [];
    for (const c of clients) {
      c.send(rrq("undionly.kpxe"));
      replies.push(await c.next());
    }
    expect(replies.slice(0, 4).map((r) => op(r.buf))).toEqual([3, 3, 3, 3]);
    const busy = replies[4] as { buf: Uint8Array };
    expect([op(busy.buf), code(busy.buf)]).toEqual([5, 0]);
    expect(new TextDecoder().decode(busy.buf.subarray(4))).toContain("server busy");
  } finally {
    for (const c of clients) c.close();
  }
  await idle();
});
