/**
 * Issue 13, items 8 and 10 (CLI): every input is validated or quoted for the format it lands
 * in. Through the compiled binary on a small cluster: kernel options that would add iPXE
 * commands, a zone folder that would add named.conf statements, a name server name that broke
 * makedns, unbounded free text, `--` ignored, and wrong exit codes for an unknown node and a bad
 * listen address. Values stored by older versions are planted straight into the SQLite file to
 * prove the renderers refuse (or skip) them too. Every refusal leaves the store unchanged.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ZoneDoc } from "../../src/netsvc/bind.ts";
import { renderNamedInclude } from "../../src/netsvc/bind.ts";
import { findTool } from "../../src/netsvc/check.ts";
import { type Sandbox, sandbox } from "../helpers/luna.ts";

const SEED = (image: string) => `set -e
luna cluster init
luna cluster change --frontend_address 10.30.255.254
luna osimage add -n compute -p ${image}
luna network add -n cluster -N 10.30.0.0 -P 16
luna group add -n compute -i enp7s0 -o compute
luna group change -n compute --interface enp7s0 --setnet cluster
luna node add -g compute
`;

let box: Sandbox;
beforeAll(async () => {
  box = await sandbox();
  const r = await box.sh(SEED(box.imageTree()));
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
});
afterAll(async () => {
  await box[Symbol.asyncDispose]();
});

/** Writes fields into a stored document as an older luna might have left them. */
function plant(kind: string, name: string, fields: Record<string, unknown>): () => void {
  const db = new Database(box.store);
  try {
    const row = db.query("SELECT data FROM docs WHERE kind = ? AND name = ?").get(kind, name) as {
      data: string;
    };
    const before = row.data;
    db.query("UPDATE docs SET data = ? WHERE kind = ? AND name = ?").run(
      JSON.stringify({ ...JSON.parse(before), ...fields }),
      kind,
      name,
    );
    return () => {
      const undo = new Database(box.store);
      undo.query("UPDATE docs SET data = ? WHERE kind = ? AND name = ?").run(before, kind, name);
      undo.close();
    };
  } finally {
    db.close();
  }
}

/** Runs luna, expects one clear line on stderr, the exit code, and an unchanged store. */
async function refused(args: string[], code: number, says: RegExp, stdin?: string): Promise<void> {
  const before = box.dump();
  const r = await box.luna(args, stdin);
  expect(r.stderr).toMatch(says);
  expect(r.stderr).toStartWith("luna: ");
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.code).toBe(code);
  expect(box.dump()).toBe(before);
}

describe("kernel options cannot add iPXE commands", () => {
  test.each([
    ["quiet ; shell", /it contains ';' \(iPXE reads ';', '&&' and '\|\|' as command separators\)/],
    ["quiet && shell", /it contains '&'/],
    ["quiet || shell", /it contains '\|'/],
    ["quiet #", /it contains '#' \(iPXE reads a word starting with '#' as a comment\)/],
    ["quiet\nshell", /it contains a line break/],
    ["quiet \\", /it contains '\\' \(iPXE joins a line ending in a backslash/],
  ])("%j is refused for groups and osimages, naming the character and the fix", async (value, says) => {
    for (const noun of ["group", "osimage"]) {
      await refused([noun, "change", "-n", "compute", "--kernopts", value], 2, says);
      await refused(
        [noun, "change", "-n", "compute", "--kernopts", value],
        2,
        /Give only Linux kernel parameters/,
      );
    }
    const tree = join(box.dir, "os", "other");
    mkdirSync(join(tree, "boot"), { recursive: true });
    mkdirSync(join(tree, "lib", "modules", "6.1.0-13-amd64"), { recursive: true });
    writeFileSync(join(tree, "boot", "vmlinuz-6.1.0-13-amd64"), "kernel");
    await refused(["osimage", "add", "-n", "other", "-p", tree, "--kernopts", value], 2, says);
  });

  test("ordinary options and iPXE $-settings are kept and rendered on the kernel line", async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an iPXE setting, not a JS template
    const opts = "console=ttyS0,115200 BOOTIF=01-${net0/mac:hexhyp}";
    const set = await box.luna(["group", "change", "-n", "compute", "--kernopts", opts]);
    expect(set.stderr).toBe("");
    expect(set.code).toBe(0);
    const r = await box.luna(["node", "show", "node001", "--script", "boot"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`\\nkernel .* luna\\.service=0 ${opts.replace(/[$.{}]/g, "\\$&")} \\|\\| goto failed\\n`),
    );
    expect((await box.luna(["group", "change", "-n", "compute", "--kernopts", ""])).code).toBe(0);
  });

  test.each([
    ["quiet ; shell", /the word ';' \(an iPXE command separator\)/],
    ["quiet || shell", /the word '\|\|'/],
    ["quiet #x", /the word '#x' \(an iPXE comment\)/],
    ["quiet\nshell", /a line break/],
    ["quiet \\", /a backslash at the end/],
  ])("a stored %j from an older version makes the boot script refuse to render", async (value, says) => {
    const undo = plant("group", "compute", { kernopts: value });
    try {
      const r = await box.luna(["node", "show", "node001", "--script", "boot"]);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(says);
      expect(r.stderr).toContain("Refusing to render the boot script of node001");
      expect(r.stderr).toContain("luna group change --kernopts");
      expect(r.code).toBe(2);
    } finally {
      undo();
    }
  });
});

describe("named.conf and zone files", () => {
  test.each([
    ['/var/named"; }; allow-transfer { any; }; zone "x" IN { type master; file "/x', /it contains '"'/],
    ["/var/named;", /it contains ';'/],
    ["/var/{named}", /it contains '\{'/],
    ["/var/named\nx", /it contains a line break/],
    ["var/named", /'var\/named' for --named_zone_dir: not an absolute path/],
  ])("named_zone_dir %j is refused", async (value, says) => {
    await refused(["cluster", "change", "--named_zone_dir", value], 2, says);
  });

  test("the include quotes the zone folder, so a hostile one adds no statement (named-checkconf)", () => {
    const hostile = '/var/named"; }; allow-transfer { any; }; zone "evil" IN { type master; file "/x';
    const docs: ZoneDoc[] = [{ zone: "cluster", file: "cluster.luna.zone", render: () => "" }];
    const text = renderNamedInclude(docs, hostile);
    const bin = findTool("named-checkconf");
    if (!bin) throw new Error("named-checkconf is not installed (apt-get install bind9-utils)");
    const file = join(box.dir, "include.conf");
    writeFileSync(file, text);
    const r = Bun.spawnSync([bin, "-p", file], { stdout: "pipe", stderr: "pipe" });
    expect(r.stderr.toString()).toBe("");
    expect(r.exitCode).toBe(0);
    const parsed = r.stdout.toString();
    expect(parsed.match(/^zone /gm)).toHaveLength(1);
    // as a statement -p prints it on lines of its own: allow-transfer {\n\t\t"any";
    expect(parsed).not.toMatch(/allow-transfer\s*\{\n\s*"any"/);
    expect(parsed).toMatch(/allow-transfer\s*\{\n\s*"none"/);
    expect(parsed).toContain(`file "/var/named\\"; }; allow-transfer { any; }; zone \\"evil\\"`);
  });

  test.each([
    ["ns.", "network", ["change", "cluster"]],
    ["ns1.example", "network", ["change", "cluster"]],
    ["ns-", "network", ["change", "cluster"]],
    ["ns_1", "network", ["add", "-n", "n2", "-N", "10.40.0.0", "-P", "16"]],
  ])("ns_hostname %j is refused (%s %j)", async (value, noun, args) => {
    await refused(
      [noun, ...args, "--ns_hostname", value],
      2,
      /for --ns_hostname: not a host name.*one DNS label/,
    );
  });

  test("a stored ns_hostname with a trailing dot no longer breaks makedns: that network is skipped", async () => {
    const undo = plant("network", "cluster", { ns_hostname: "ns." });
    try {
      const out = join(box.dir, "dns");
      const r = await box.luna(["cluster", "makedns", "--out", out]);
      expect(r.stderr).toContain("Skipping network 'cluster': its ns_hostname 'ns.' is not a host name");
      expect(r.code).toBe(0);
    } finally {
      undo();
    }
  });
});

describe("free text has a limit", () => {
  const long = (n: number) => "x".repeat(n);

  test("a 120,000-character comment is refused; 1,024 are stored", async () => {
    await refused(
      ["node", "change", "node001", "--comment", long(120_000)],
      2,
      /Text too long for the comment of node 'node001': 120000 characters, at most 1024/,
    );
    await refused(["group", "add", "-n", "g2", "-o", "compute", "-C", long(1025)], 2, /at most 1024/);
    const ok = await box.luna(["node", "change", "node001", "--comment", long(1024)]);
    expect(ok.code).toBe(0);
    expect(JSON.parse((await box.luna(["node", "show", "node001", "--json"])).stdout).comment).toBe(
      long(1024),
    );
  });

  test("scripts and interface parameters take 64 KiB, kernel options 768 characters, not more", async () => {
    await refused(
      ["group", "change", "-n", "compute", "--post", "-e"],
      2,
      /Text too long for the postscript of group 'compute': 65537 characters, at most 65536/,
      `${long(65_537)}\n`,
    );
    await refused(
      ["group", "change", "-n", "compute", "--interface", "enp7s0", "-e"],
      2,
      /Text too long for the params of interface 'enp7s0' of group 'compute'/,
      `${long(70_000)}\n`,
    );
    await refused(
      ["osimage", "change", "-n", "compute", "--kernopts", long(769)],
      2,
      /Text too long for the kernopts of osimage 'compute': 769 characters, at most 768/,
    );
    const ok = await box.luna(["group", "change", "-n", "compute", "--post", "-e"], `${long(65_536)}\n`);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
  });

  test("an over-long value stored by an older version does not block other changes", async () => {
    const undo = plant("node", "node001", { comment: long(5000) });
    try {
      const r = await box.luna(["node", "change", "node001", "--localboot", "y"]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    } finally {
      undo();
    }
  });
});

describe("command line", () => {
  test("an unknown node for power is not found (exit 3), and no BMC is contacted", async () => {
    await refused(["node", "power", "nosuch", "status"], 3, /No node named 'nosuch'.*no BMC was contacted/);
    await refused(["node", "power", "node001,nosuch,other", "on"], 3, /No nodes named 'nosuch', 'other'/);
  });

  test("daemon --host that is not an IP address is bad input (exit 2), saying what to give", async () => {
    for (const args of [["daemon"], ["daemon", "start"]]) {
      const pidfile = join(box.dir, "luna.pid");
      await refused(
        [...args, "--host", "not-an-ip", "--port", "0", "--pidfile", pidfile],
        2,
        /Invalid value 'not-an-ip' for --host: not an IP address. Give the address to listen on: 0.0.0.0/,
      );
      expect(existsSync(pidfile)).toBe(false);
    }
    const conf = join(box.dir, "bad-host.conf");
    writeFileSync(conf, '[daemon]\nhost = "head.example"\n');
    await refused(
      ["--config", conf, "daemon", "--port", "0"],
      2,
      /'head.example' for daemon.host in the config: not an IP address/,
    );
  });

  test("after -- every word is a positional: `node show -- --help` looks for a node named --help", async () => {
    const r = await box.luna(["node", "show", "--", "--help"]);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("luna: No node named '--help'. See 'luna node list'\n");
    expect(r.code).toBe(3);
    const named = await box.luna(["node", "show", "--", "node001"]);
    expect(named.code).toBe(0);
    expect(named.stdout).toContain("node001");
    expect((await box.luna(["node", "show", "--help", "--"])).stdout).toStartWith("Usage: luna node show");
  });
});
