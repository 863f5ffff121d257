/**
 * The node's shell and src/domain/boot/urls.ts agree on every URL the initramfs builds itself.
 * Only the kernel command line reaches the initramfs, so luna-install-lib.sh builds the install
 * and status URLs from luna.url, luna.node and luna.token. Here the daemon's own kernelArgs
 * render a command line, the real parser (luna_parse_cmdline) reads it, and the real fetch and
 * report functions call a stub curl that logs the URL it was given: each must equal
 * installUrl / statusUrl for the same endpoint, node and credential.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { kernelArgs } from "../../../src/domain/boot/ipxe.ts";
import { type Endpoint, installUrl, statusUrl } from "../../../src/domain/boot/urls.ts";
import { minimalBootData } from "../../helpers/boot-data.ts";
import { runNodeShell, SHELLS, tempDir, writeStubs } from "../../helpers/node-shell.ts";

const CASES: [string, Endpoint, string, string | undefined][] = [
  ["http on IPv4 with a credential", { proto: "http", host: "10.30.255.254", port: 7050 }, "node001", "0a9f"],
  ["https on IPv6 without one", { proto: "https", host: "fd00:30::fe", port: 443 }, "n1", undefined],
  [
    "a name with every character a node name may have",
    { proto: "http", host: "head.cluster", port: 8080 },
    "Rack_2-n.07",
    "ffffffffffffffffffffffffffffffff",
  ],
];

/** curl stub: logs the URL argument, and gives luna_fetch_script a non-empty script. */
const CURL = `for a; do case "$a" in http://* | https://*) printf '%s\\n' "$a" >> "$URL_LOG" ;; esac; done
while [ $# -gt 0 ]; do [ "$1" = -o ] && [ "$2" != /dev/null ] && echo '#!/bin/bash' > "$2"; shift; done
exit 0`;

for (const shell of SHELLS) {
  describe(`the node's URLs under ${shell}`, () => {
    for (const [what, endpoint, node, token] of CASES) {
      test(`equal urls.ts's: ${what}`, () => {
        using dir = tempDir();
        const stubs = writeStubs(dir.path, ["curl"], CURL);
        const log = join(dir.path, "urls.log");
        const r = runNodeShell(
          shell,
          `env=$(luna_parse_cmdline) || exit 9
eval "$env"
luna_install_url; echo
luna_fetch_script "${dir.path}/script" || exit 8
luna_report install.error.root`,
          {
            source: ["luna-lib.sh", "luna-install-lib.sh"],
            cmdline: kernelArgs(minimalBootData(endpoint, node, token)),
            stubs,
            env: { URL_LOG: log },
          },
        );
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        // As logged (no credential), as fetched, as reported.
        expect(r.stdout).toBe(`${installUrl(endpoint, node)}\n`);
        expect(readFileSync(log, "utf8").split("\n").filter(Boolean)).toEqual([
          installUrl(endpoint, node, token),
          `${statusUrl(endpoint, node, token)}install.error.root`,
        ]);
      });
    }
  });
}
