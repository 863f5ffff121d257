/**
 * A small packed cluster in a sandbox for the admin-surface tests: one image packed (its
 * tarball served on /torrents, its info-hash tracked), one group, `nodes` nodes of which the
 * first `macs` have a MAC, the frontend on loopback, and a luna.conf with the switch poller off
 * and the admin listener on port 0.
 */
import { expect } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Sandbox } from "./luna.ts";

export const MAC = (i: number) => `52:54:00:00:00:${i.toString(16).padStart(2, "0")}`;

export async function bootCluster(
  box: Sandbox,
  o: { nodes?: number; macs?: number; groups?: string[] } = {},
): Promise<{ conf: string; infohash: string; tarball: string }> {
  const image = box.imageTree();
  writeFileSync(join(box.dir, "initrd.img"), "INITRD");
  const groups = o.groups ?? ["compute"];
  const lines = [
    "set -e",
    "luna cluster init",
    `luna cluster change --frontend_address 127.0.0.1 --path ${join(box.dir, "opt")}`,
    `luna osimage add -n compute -p ${image}`,
    "luna network add -n cluster -N 10.30.0.0 -P 16",
    ...groups.flatMap((g) => [
      `luna group add -n ${g} -i eth0 -o compute`,
      `luna group change -n ${g} --interface eth0 --setnet cluster`,
    ]),
    ...Array.from({ length: o.nodes ?? 3 }, (_, i) => `luna node add -g ${groups[i % groups.length]}`),
    ...Array.from(
      { length: o.macs ?? 2 },
      (_, i) => `luna node change -n node00${i + 1} --mac ${MAC(i + 1)}`,
    ),
    `luna osimage pack -n compute --initrdfile ${join(box.dir, "initrd.img")} 2>/dev/null`,
  ];
  const setup = await box.sh(lines.join("\n"));
  expect(setup.stderr).toBe("");
  expect(setup.code).toBe(0);
  const show = (await box.luna(["osimage", "show", "compute", "--json"])).stdout;
  const infohash = /"infohash":\s*"([0-9a-f]{40})"/.exec(show)?.[1] as string;
  const tarball = /"tarball":\s*"([^"]+)"/.exec(show)?.[1] as string;
  expect(infohash).toHaveLength(40);
  const conf = join(box.dir, "luna.conf");
  writeFileSync(conf, "[snmp]\nenabled = false\n[admin]\nport = 0\n");
  return { conf, infohash, tarball };
}

/** An announce URL path for the packed image from a peer at `ip` (honoured from loopback only). */
export function announcePath(
  infohash: string,
  o: { ip?: string; left: number; downloaded?: number; port?: number },
): string {
  const hash = [...Buffer.from(infohash, "hex")].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");
  const ip = o.ip ? `&ip=${o.ip}` : "";
  return `/announce?info_hash=${hash}&peer_id=-AR1000-${String(o.port ?? 6881).padStart(12, "0")}&port=${o.port ?? 6881}&uploaded=0&downloaded=${o.downloaded ?? 0}&left=${o.left}&compact=1${ip}`;
}

/** A GET on the node-facing port that must answer `status` (200 unless told); the body is read. */
export const expectStatus =
  (base: string) =>
  async (path: string, status = 200): Promise<void> => {
    const r = await fetch(base + path);
    await r.arrayBuffer();
    expect(`${path} ${r.status}`).toBe(`${path} ${status}`);
  };
