/**
 * The rendered network files, read by the tools that will read them on a node (installed by
 * .ci/run from Debian): NetworkManager's own keyfile reader (`nmcli --offline`), the real
 * systemd-networkd (in its own mount and network namespaces, with the files bound over
 * /etc/systemd/network, until it has loaded them), and ifupdown (`ifup --no-act`). ifcfg has
 * no checker outside a RHEL system (initscripts sources the files as shell; NetworkManager's
 * ifcfg-rh plugin is not in Debian), so its goldens are reviewed by eye. @BOOTIF@ is named
 * eno1 first, as the install script would.
 */
import { expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BOOTIF_MARK, type NetFile, renderNetFiles } from "../../../src/domain/boot/netfiles.ts";
import { exec } from "../../../src/lib/exec.ts";
import { SCENARIOS } from "../../helpers/netfiles-scenarios.ts";
import { tempDir } from "../../helpers/node-shell.ts";

const named = (files: NetFile[]): NetFile[] =>
  files.map((f) => ({
    ...f,
    path: f.path.replaceAll(BOOTIF_MARK, "eno1"),
    text: f.text.replaceAll(BOOTIF_MARK, "eno1"),
  }));

/** section name → its key=value lines, as a keyfile lists them */
function sections(text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  let current = new Set<string>();
  for (const line of text.split("\n")) {
    const head = /^\[(.+)\]$/.exec(line);
    if (head) {
      current = out.get(head[1] as string) ?? new Set();
      out.set(head[1] as string, current);
    } else if (line.includes("=")) current.add(line);
  }
  return out;
}

const need = (tool: string) =>
  expect(Bun.which(tool), `${tool} is missing (.ci/run installs it)`).not.toBeNull();

for (const [name, input] of Object.entries(SCENARIOS)) {
  test(`NetworkManager reads every ${name} keyfile and keeps every setting in it`, async () => {
    need("nmcli");
    for (const f of named(renderNetFiles(input, "nm").files)) {
      // A no-op change: nmcli parses the keyfile, checks the connection and prints what it kept.
      const r = await exec(["nmcli", "--offline", "connection", "modify", "connection.autoconnect", "yes"], {
        stdin: f.text,
      });
      expect(`${f.path}: ${r.stderr}`).toBe(`${f.path}: `);
      expect(r.code).toBe(0);
      // nmcli drops a value it cannot use (a bad MAC, an unknown key) without an error.
      const kept = sections(r.stdout);
      for (const [section, lines] of sections(f.text))
        for (const line of lines)
          expect(`${f.path} [${section}] ${line}`).toBe(
            `${f.path} [${section}] ${kept.get(section)?.has(line) ? line : "(dropped)"}`,
          );
    }
  });

  test(`systemd-networkd loads every ${name} .network and .netdev without a complaint`, async () => {
    expect(process.getuid?.()).toBe(0); // mount and network namespaces; CI runs as root
    need("unshare");
    using dir = tempDir("luna-networkd-");
    const conf = join(dir.path, "network");
    mkdirSync(conf);
    for (const f of named(renderNetFiles(input, "networkd").files))
      writeFileSync(join(conf, f.path.split("/").at(-1) as string), f.text);
    const script = [
      'mount --bind "$1" /etc/systemd/network',
      // its own /run: no state files on the host, no host D-Bus
      "mount -t tmpfs tmpfs /run",
      "exec /lib/systemd/systemd-networkd",
    ].join(" && ");
    const proc = Bun.spawn(
      ["unshare", "--mount", "--net", "--propagation", "private", "sh", "-c", script, "sh", conf],
      {
        env: {
          PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
          SYSTEMD_LOG_LEVEL: "debug",
          SYSTEMD_LOG_TARGET: "console",
        },
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    // networkd reads every file at start, then enumerates links: read its log up to there.
    let log = "";
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) {
      log += decoder.decode(chunk);
      if (log.includes("Enumeration completed")) break;
    }
    proc.kill();
    await proc.exited;
    expect(log).toContain("Enumeration completed");
    // Every complaint about a file starts with its path (unknown key, bad value, file ignored).
    const complaints = log.split("\n").filter((l) => l.includes("/etc/systemd/network/"));
    expect(complaints).toEqual([]);
    for (const f of renderNetFiles(input, "networkd").files.filter((f) => f.path.endsWith(".netdev"))) {
      const netdev = /Name=(.+)\nKind=(.+)\n/.exec(f.text);
      expect(log).toContain(`${netdev?.[1]}: loaded "${netdev?.[2]}"`);
    }
  });

  test(`ifupdown reads the ${name} interfaces files and would bring every interface up`, async () => {
    need("ifup");
    using dir = tempDir("luna-ifupdown-");
    const files = named(renderNetFiles(input, "debian").files);
    for (const f of files) writeFileSync(join(dir.path, f.path.split("/").at(-1) as string), f.text);
    writeFileSync(
      join(dir.path, "interfaces"),
      files.map((f) => `source ${join(dir.path, f.path.split("/").at(-1) as string)}\n`).join(""),
    );
    const r = await exec([
      "ifup",
      "--no-act",
      "--all",
      "-i",
      join(dir.path, "interfaces"),
      "--state-dir",
      join(dir.path, "state"),
    ]);
    // --no-act prints the commands it would run on stderr; its own complaints start with "ifup:".
    expect(r.stderr.split("\n").filter((l) => l.startsWith("ifup:"))).toEqual([]);
    expect(r.code).toBe(0);
    for (const f of files) {
      for (const [, iface = "", method] of f.text.matchAll(/^iface (\S+) inet (\w+)/gm)) {
        if (method === "static")
          expect(r.stderr).toMatch(new RegExp(`ip addr add \\S+ .*dev ${iface.replaceAll(".", "\\.")} `));
      }
    }
  });
}
