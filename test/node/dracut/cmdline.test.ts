/**
 * The 95luna kernel command-line parser (luna-lib.sh: luna_parse_cmdline), run by real
 * shells (dash and bash) with a stub getarg: a table of command lines → the exported
 * LUNA_* values, or the exit status and message. The env file it prints is sourced in a
 * child shell and read back with `env`, so the values are proven exported, not just set.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runNodeShell, SHELLS } from "../../helpers/node-shell.ts";

type Env = Record<string, string>;

function parse(shell: string, cmdline: string): { code: number; env: Env; stdout: string; stderr: string } {
  const r = runNodeShell(
    shell,
    `out=$(luna_parse_cmdline); rc=$?
[ "$rc" -eq 0 ] || { printf '%s' "$out"; exit "$rc"; }
(eval "$out"; env) | grep '^LUNA_'
exit 0`,
    { source: ["luna-lib.sh"], cmdline },
  );
  const env: Env = {};
  for (const line of r.stdout.split("\n").filter(Boolean)) {
    const i = line.indexOf("=");
    env[line.slice(0, i)] = line.slice(i + 1);
  }
  return { ...r, env };
}

/** The kernel arguments the daemon renders for node001 (the golden iPXE script). */
const GOLDEN = readFileSync(join(import.meta.dir, "../../fixtures/boot/node001-boot.ipxe"), "utf8")
  .split("\n")
  .find((l) => l.startsWith("kernel "))
  ?.replace(/^kernel (--name \S+ )?\S+ initrd=initrd /, "")
  .replace(/ \|\| goto failed$/, "") as string;

const BASE = "root=luna luna.url=http://10.30.255.254:7050/luna luna.node=n1";
const DEFAULTS: Env = {
  LUNA_URL: "http://10.30.255.254:7050/luna",
  LUNA_NODE: "n1",
  LUNA_HOSTNAME: "n1",
  LUNA_MAC: "",
  LUNA_IP: "",
  LUNA_BOOTPROTO: "dhcp",
  LUNA_SERVICE: "0",
  LUNA_TOKEN: "",
};

const PARSED: [string, string, Env][] = [
  [
    "the daemon's golden node001 arguments",
    GOLDEN,
    {
      LUNA_URL: "http://10.30.255.254:7050/luna",
      LUNA_NODE: "node001",
      LUNA_HOSTNAME: "node001.cluster",
      LUNA_MAC: "52:54:00:00:00:01",
      LUNA_IP: "10.30.0.1/16",
      LUNA_BOOTPROTO: "static",
      LUNA_SERVICE: "0",
      LUNA_TOKEN: "5e".repeat(32),
    },
  ],
  ["the minimum (DHCP, hostname = node)", BASE, DEFAULTS],
  [
    "luna.ip without luna.bootproto (static)",
    `${BASE} luna.ip=10.0.0.5/24`,
    { LUNA_IP: "10.0.0.5/24", LUNA_BOOTPROTO: "static" },
  ],
  ["dhcp even with luna.ip", `${BASE} luna.ip=10.0.0.5/24 luna.bootproto=dhcp`, { LUNA_IP: "10.0.0.5/24" }],
  ["an upper-case MAC with dashes", `${BASE} luna.mac=52-54-00-AA-bB-0c`, { LUNA_MAC: "52:54:00:aa:bb:0c" }],
  [
    "an InfiniBand MAC (20 octets)",
    `${BASE} luna.mac=80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0e:b5:71`,
    { LUNA_MAC: "80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0e:b5:71" },
  ],
  ["service mode", `${BASE} luna.service=1`, { LUNA_SERVICE: "1" }],
  ["service=yes", `${BASE} luna.service=yes`, { LUNA_SERVICE: "1" }],
  [
    "the last of repeated arguments",
    `${BASE} luna.node=n2 luna.url=https://head/luna`,
    { LUNA_NODE: "n2", LUNA_HOSTNAME: "n2", LUNA_URL: "https://head/luna" },
  ],
  ["group kernel options around", `console=ttyS0,115200 ${BASE} quiet rd.shell`, {}],
  ["a URL with a query and a quote", `${BASE} luna.url=http://h/l'x?a=b`, { LUNA_URL: "http://h/l'x?a=b" }],
  [
    "names with dots, dashes, underscores",
    `${BASE} luna.hostname=n-1.rack_2.example`,
    { LUNA_HOSTNAME: "n-1.rack_2.example" },
  ],
  [
    "a /32 address",
    `${BASE} luna.ip=255.255.255.255/32`,
    { LUNA_IP: "255.255.255.255/32", LUNA_BOOTPROTO: "static" },
  ],
];

const REFUSED: [string, string, RegExp][] = [
  ["no luna.url", "root=luna luna.node=n1", /needs luna\.url=/],
  ["no luna.node", "root=luna luna.url=http://h/luna", /needs luna\.node=/],
  ["an empty luna.url", "root=luna luna.url= luna.node=n1", /needs luna\.url=/],
  ["an ftp URL", "root=luna luna.url=ftp://h/luna luna.node=n1", /http:\/\/ or https:\/\/ URL, not 'ftp:/],
  ["a URL without a host", "root=luna luna.url=http:// luna.node=n1", /http:\/\/ or https:\/\/ URL/],
  ["a node name with '&'", "root=luna luna.url=http://h/luna luna.node=a&b", /not a valid node name: 'a&b'/],
  ["a host name starting with '-'", `${BASE} luna.hostname=-x`, /not a valid host name: '-x'/],
  ["a MAC with a bad octet", `${BASE} luna.mac=52:54:00:00:00:zz`, /not a MAC address/],
  ["a MAC with 5 octets", `${BASE} luna.mac=52:54:00:00:00`, /not a MAC address/],
  ["an address without prefix", `${BASE} luna.ip=10.0.0.1`, /ADDRESS\/PREFIX .*not '10\.0\.0\.1'/],
  ["an octet above 255", `${BASE} luna.ip=10.0.0.256/8`, /ADDRESS\/PREFIX/],
  ["a prefix above 32", `${BASE} luna.ip=10.0.0.1/33`, /ADDRESS\/PREFIX/],
  ["a leading zero", `${BASE} luna.ip=10.0.0.010/8`, /ADDRESS\/PREFIX/],
  ["three octets", `${BASE} luna.ip=10.0.1/8`, /ADDRESS\/PREFIX/],
  ["static without an address", `${BASE} luna.bootproto=static`, /static needs luna\.ip=/],
  ["an unknown bootproto", `${BASE} luna.bootproto=bootp`, /static or dhcp, not 'bootp'/],
  ["luna.service=2", `${BASE} luna.service=2`, /luna\.service must be 0 or 1/],
  ["a token with a quote", `${BASE} luna.token=ab'cd`, /luna\.token must be lower-case hex/],
];

const NOT_OURS: [string, string][] = [
  ["a disk root", "root=/dev/sda2 ro quiet luna.url=http://h/luna luna.node=n1"],
  ["no root at all", "quiet splash"],
  ["root=LUNA (case matters, as in dracut)", "root=LUNA luna.url=http://h/luna luna.node=n1"],
];

for (const shell of SHELLS) {
  describe(`luna_parse_cmdline under ${shell}`, () => {
    test("the golden kernel arguments were found", () => {
      expect(GOLDEN).toStartWith("root=luna ");
    });
    for (const [what, cmdline, expected] of PARSED) {
      test(`exports ${what}`, () => {
        const r = parse(shell, cmdline);
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(r.env).toEqual(what.startsWith("the daemon") ? expected : { ...DEFAULTS, ...expected });
      });
    }
    for (const [what, cmdline, message] of REFUSED) {
      test(`refuses ${what} with status 1`, () => {
        const r = parse(shell, cmdline);
        expect(r.code).toBe(1);
        expect(r.stdout).toBe("");
        expect(r.stderr).toMatch(/^luna: /);
        expect(r.stderr).toMatch(message);
      });
    }
    for (const [what, cmdline] of NOT_OURS) {
      test(`leaves ${what} alone with status 2`, () => {
        const r = parse(shell, cmdline);
        expect(r.code).toBe(2);
        expect(r.stdout + r.stderr).toBe("");
      });
    }
  });
}
