/**
 * Issue 14 item 2: the network files travel in the install script, which runs as root on the
 * node, as quoted here-documents. Operator text in them (an interface's parameters, which
 * ifcfg files carry verbatim) is never run: not a line that looks like the here-document's
 * end, nor `$(...)`, backquotes or `${...}`. The rendered script runs under bash for real.
 */
import { expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { renderNetSection } from "../../src/domain/boot/install-script.ts";
import { exec } from "../../src/lib/exec.ts";
import { PLAIN } from "../helpers/netfiles-scenarios.ts";
import { tempDir } from "../helpers/node-shell.ts";

const BODY = join(import.meta.dir, "..", "..", "node", "install-body.sh");

test("interface parameters that try to end the here-document or expand are written, never run", async () => {
  using dir = tempDir("luna-netfiles-sec-");
  const marker = join(dir.path, "pwned");
  const params = [
    "MTU=9000",
    "LUNA_NETFILE",
    `touch '${marker}-eof'`,
    "LUNA_NETFILE_1",
    `ETHTOOL_OPTS="$(touch '${marker}-subst')"`,
    `DESC=\`touch '${marker}-backquote'\``,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text under test
    "X=${HOME:?stop}",
  ].join("\n");
  const [first, ...rest] = PLAIN.interfaces;
  const input = { ...PLAIN, interfaces: [{ ...(first as (typeof rest)[number]), params }, ...rest] };
  const section = renderNetSection(input, "ifcfg");
  // Neither word is free, so the next one is used.
  expect(section).toContain("<<'LUNA_NETFILE_2'");
  mkdirSync(join(dir.path, "root"));
  const r = await exec(["bash", "-c", `${section}\nsource '${BODY}' && luna_setnet`], {
    env: {
      PATH: "/usr/bin:/bin",
      LUNA_URL: "http://127.0.0.1:1/luna",
      LUNA_NODE: "n1",
      LUNA_HOSTNAME: "n1",
      LUNA_MAC: "",
      LUNA_ROOT: join(dir.path, "root"),
      LUNA_SOURCE_ONLY: "1",
    },
  });
  expect(r.stderr).toContain("luna: wrote /etc/sysconfig/network-scripts/ifcfg-enp7s0");
  expect(r.code).toBe(0);
  const written = readFileSync(join(dir.path, "root/etc/sysconfig/network-scripts/ifcfg-enp7s0"), "utf8");
  expect(written).toEndWith(`NETMASK=255.255.0.0\n${params}\n`);
  for (const what of ["eof", "subst", "backquote"]) expect(existsSync(`${marker}-${what}`)).toBe(false);
});
