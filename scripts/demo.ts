/**
 * `npm run demo`: builds the binary, sets up a small demo cluster (the seed walkthrough) on the
 * embedded SQLite store in ./demo, packs its image, and starts `luna daemon` in the foreground
 * on 127.0.0.1 (port 7050, or LUNA_DEMO_PORT) until Ctrl-C. Safe to run twice: it starts from
 * a fresh demo folder every time.
 */

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { $ } from "bun";

const demo = resolve("demo");
rmSync(demo, { recursive: true, force: true });
const image = join(demo, "os", "compute");
mkdirSync(join(image, "boot"), { recursive: true });
mkdirSync(join(image, "lib", "modules", "6.1.0-demo"), { recursive: true });
writeFileSync(join(image, "boot", "vmlinuz-6.1.0-demo"), "demo kernel\n");
writeFileSync(join(image, "hello.txt"), "a file in the demo image\n");
writeFileSync(join(demo, "initramfs.img"), "demo initramfs\n");
const port = process.env.LUNA_DEMO_PORT ?? "7050";

await $`bun run build`;
process.env.LUNA_STORE = `sqlite:${join(demo, "luna.db")}`;
// The demo's switch address (the seed README's 10.31.253.21) exists on no network here: the
// SNMP poller stays off, so the demo daemon never sends a packet beyond loopback.
writeFileSync(join(demo, "luna.conf"), "# written by npm run demo\n[snmp]\nenabled = false\n");
process.env.LUNA_CONFIG = join(demo, "luna.conf");
const luna = resolve("dist/luna");
const steps = [
  "cluster init",
  `cluster change --frontend_address 127.0.0.1 --frontend_port ${port} --path ${join(demo, "opt")}`,
  `osimage add -n compute -p ${image}`,
  "bmcsetup add -n base",
  "network add -n cluster -N 10.30.0.0 -P 16",
  "network add -n ipmi -N 10.31.0.0 -P 16",
  "switch add -n switch01 --oid .1.3.6.1.2.1.17.7.1.2.2.1.2 --ip 10.31.253.21",
  "group add -n compute -i enp7s0 -o compute -b base",
  "group change -n compute --interface enp7s0 --setnet cluster",
  "group change -n compute --bmcnetwork --setnet ipmi",
  "node add -g compute -n node[001-004]",
  "node change -n node001 -s switch01 -p 1 --mac 52:54:00:00:00:01",
  `osimage pack -n compute --initrdfile ${join(demo, "initramfs.img")}`,
];
for (const step of steps) {
  console.log(`$ luna ${step}`);
  await $`${luna} ${{ raw: step }}`;
}
console.log("$ luna node list");
await $`${luna} node list`;
console.log(
  `\nDemo store: ${join(demo, "luna.db")} (export LUNA_STORE=sqlite:${join(demo, "luna.db")} LUNA_CONFIG=${join(demo, "luna.conf")} to explore it)`,
);
console.log(`Starting the daemon on http://127.0.0.1:${port} (Ctrl-C stops it). Try, from another shell:`);
console.log(`  curl "http://127.0.0.1:${port}/luna?step=boot"`);
console.log(`  curl "http://127.0.0.1:${port}/luna?step=discovery&node=node002&hwdata=52:54:00:00:00:02"`);
console.log(
  `  ${luna} node script node002    # the install script; the daemon serves it only with node002's boot credential`,
);
const daemon = Bun.spawn([luna, "daemon", "--host", "127.0.0.1", "--port", port], {
  stdio: ["inherit", "inherit", "inherit"],
  env: { ...process.env },
});
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => daemon.kill("SIGTERM"));
process.exitCode = await daemon.exited;
