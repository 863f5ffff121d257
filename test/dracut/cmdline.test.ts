/**
 * The 95luna kernel command-line parser, run by a real sh with a stub `getarg` that reads a
 * given command line the way dracut's does (last `key=value` wins).
 */
import { expect, test } from "bun:test";
import { join } from "node:path";

const LIB = join(import.meta.dir, "../../dracut/modules.d/95luna/luna-lib.sh");

function parse(cmdline: string): { code: number; out: string; err: string } {
  const script = `getarg() { v=""; for a in $CMDLINE; do case "$a" in "$1"*) v="\${a#"$1"}";; esac; done; printf '%s' "$v"; }
. "${LIB}"
luna_parse`;
  const r = Bun.spawnSync(["sh", "-c", script], { env: { CMDLINE: cmdline, PATH: "/usr/bin:/bin" } });
  return { code: r.exitCode ?? -1, out: r.stdout.toString(), err: r.stderr.toString() };
}

const FULL =
  "root=luna luna.url=http://10.30.255.254:7050/luna luna.node=node001 luna.hostname=node001.cluster luna.mac=52:54:00:00:00:01 luna.ip=10.30.0.1/16 luna.bootproto=static luna.service=0 quiet";

const CASES: [string, string, number, RegExp][] = [
  [
    "a full static command line",
    FULL,
    0,
    /LUNA_NODE='node001'\nLUNA_HOSTNAME='node001.cluster'\nLUNA_MAC='52:54:00:00:00:01'\nLUNA_IP='10.30.0.1\/16'\nLUNA_BOOTPROTO='static'\nLUNA_SERVICE='0'/,
  ],
  [
    "dhcp without an address",
    "root=luna luna.url=http://h:7050/luna luna.node=n1 luna.bootproto=dhcp",
    0,
    /LUNA_BOOTPROTO='dhcp'\nLUNA_SERVICE='0'/,
  ],
  ["no bootproto means dhcp", "root=luna luna.url=http://h/luna luna.node=n1", 0, /LUNA_BOOTPROTO='dhcp'/],
  ["service mode", "root=luna luna.url=http://h/luna luna.node=n1 luna.service=1", 0, /LUNA_SERVICE='1'/],
  [
    "the last value wins",
    "root=luna luna.url=http://a/luna luna.url=http://b/luna luna.node=n1",
    0,
    /LUNA_URL='http:\/\/b\/luna'/,
  ],
  ["another root is not ours", "root=/dev/sda2 ro quiet", 2, /^$/],
  ["no root at all is not ours", "quiet splash", 2, /^$/],
  ["root=luna without a URL", "root=luna luna.node=n1", 1, /needs luna.url= and luna.node=/],
  ["root=luna without a node", "root=luna luna.url=http://h/luna", 1, /needs luna.url= and luna.node=/],
  [
    "static without an address",
    "root=luna luna.url=http://h/luna luna.node=n1 luna.bootproto=static",
    1,
    /needs luna.ip=/,
  ],
  [
    "an unknown bootproto",
    "root=luna luna.url=http://h/luna luna.node=n1 luna.bootproto=bootp",
    1,
    /must be dhcp or static/,
  ],
];

for (const [what, cmdline, code, expected] of CASES) {
  test(`luna_parse handles ${what}`, () => {
    const r = parse(cmdline);
    expect(r.code).toBe(code);
    expect(code === 0 ? r.out : r.err).toMatch(expected);
  });
}
