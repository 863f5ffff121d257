/**
 * The install script's part in the network files: the files themselves are rendered in
 * TypeScript (test/domain/boot/netfiles.test.ts); the shell picks the format (recorded at pack
 * time, else found in the unpacked tree by the same rules as the pack) and names the NIC with
 * the node's MAC for @BOOTIF@. The body is sourced by bash (LUNA_SOURCE_ONLY=1) with the rendered
 * network section, and luna_setnet writes into a temp root that looks like the image.
 */
import { expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { renderNetSection } from "../../src/domain/boot/install-script.ts";
import {
  BOOTIF_MARK,
  NET_FILE_FORMATS,
  NETFMT_RULES,
  renderNetFiles,
} from "../../src/domain/boot/netfiles.ts";
import type { NetFormat } from "../../src/domain/model.ts";
import { exec } from "../../src/lib/exec.ts";
import { detectNetFormat } from "../../src/pack/netfmt.ts";
import { LINKS, PLAIN } from "../helpers/netfiles-scenarios.ts";
import { tempDir } from "../helpers/node-shell.ts";

const BODY = join(import.meta.dir, "..", "..", "node", "install-body.sh");
const MAC = "52:54:00:00:00:01";

/** Runs `line` in bash with the body's functions and `section` defined, LUNA_ROOT=root. */
async function inBody(root: string, section: string, line: string) {
  const r = await exec(["bash", "-c", `${section}\nsource '${BODY}' && ${line}`], {
    env: {
      PATH: "/usr/bin:/bin",
      LUNA_URL: "http://127.0.0.1:1/luna",
      LUNA_NODE: "n1",
      LUNA_HOSTNAME: "n1.cluster",
      LUNA_MAC: MAC,
      LUNA_ROOT: root,
      LUNA_SYSFS: join(root, ".sys"),
      LUNA_SOURCE_ONLY: "1",
    },
  });
  expect(r.code).toBe(0);
  return r;
}

/** Makes `path` under `root` as a rule names it: a folder, a file, or a link to a unit. */
function make(root: string, path: string, is: "dir" | "file" | "link") {
  const full = join(root, path);
  mkdirSync(is === "dir" ? full : dirname(full), { recursive: true });
  if (is === "file") writeFileSync(full, "source /etc/network/interfaces.d/*\n");
  // Absolute, as systemctl enable writes it: it resolves only in the booted image.
  if (is === "link") symlinkSync("/lib/systemd/system/systemd-networkd.service", full);
}

const TREES: { has: [string, "dir" | "file" | "link"][]; fmt: NetFormat }[] = [
  ...NETFMT_RULES.flatMap((r) =>
    r.any.map((p) => ({ has: [[p.path, p.is]] as [string, "dir" | "file" | "link"][], fmt: r.fmt })),
  ),
  // Earlier rules win: NetworkManager over all, an enabled networkd over ifupdown, ifupdown over ifcfg.
  {
    has: [
      ["etc/NetworkManager", "dir"],
      ["etc/sysconfig/network-scripts", "dir"],
    ],
    fmt: "nm",
  },
  {
    has: [
      ["etc/network/interfaces", "file"],
      ["etc/systemd/system/multi-user.target.wants/systemd-networkd.service", "link"],
    ],
    fmt: "networkd",
  },
  {
    has: [
      ["etc/network/interfaces", "file"],
      ["etc/sysconfig/network-scripts", "dir"],
    ],
    fmt: "debian",
  },
  // systemd ships /etc/systemd/network everywhere; without networkd enabled it says nothing.
  { has: [["etc/systemd/network", "dir"]], fmt: "none" },
  { has: [], fmt: "none" },
];

test("the install script's fallback finds the same format as the pack, tree by tree", async () => {
  for (const tree of TREES) {
    using dir = tempDir("luna-netfmt-");
    for (const [path, is] of tree.has) make(dir.path, path, is);
    const shell = (await inBody(dir.path, "", "luna_netfmt")).stdout.trim();
    expect(`${JSON.stringify(tree.has)} -> ${shell}`).toBe(`${JSON.stringify(tree.has)} -> ${tree.fmt}`);
    expect(detectNetFormat(dir.path)).toBe(tree.fmt);
  }
});

test("a format recorded at pack time wins over what the unpacked tree shows", async () => {
  using dir = tempDir("luna-netfmt-");
  make(dir.path, "etc/sysconfig/network-scripts", "dir");
  const r = await inBody(dir.path, renderNetSection(PLAIN, "networkd"), "luna_setnet");
  expect(r.stderr).toContain("luna: network configuration format: networkd");
  expect(readdirSync(join(dir.path, "etc/systemd/network")).sort()).toEqual([
    "10-luna-eno2.network",
    "10-luna-enp7s0.network",
    "10-luna-ib0.network",
  ]);
  expect(readdirSync(join(dir.path, "etc/sysconfig/network-scripts"))).toEqual([]);
});

test("an install script for a recorded format carries only that format's files", () => {
  const section = renderNetSection(PLAIN, "debian");
  expect(section).toContain("luna_netfiles_debian() {");
  expect(section).not.toContain("luna_netfiles_nm");
  expect(renderNetSection(PLAIN, "none")).not.toContain("luna_netfiles_");
  expect(renderNetSection(PLAIN)).toContain("luna_netfiles_ifcfg() {");
});

for (const fmt of NET_FILE_FORMATS) {
  test(`luna_setnet writes the ${fmt} files as rendered, naming BOOTIF's NIC by the node's MAC`, async () => {
    using dir = tempDir("luna-setnet-");
    const input = LINKS;
    for (const [nic, mac] of [
      ["lo", "00:00:00:00:00:00"],
      ["eno1", MAC.toUpperCase()],
    ] as const) {
      mkdirSync(join(dir.path, ".sys/class/net", nic), { recursive: true });
      writeFileSync(join(dir.path, ".sys/class/net", nic, "address"), `${mac}\n`);
    }
    const r = await inBody(dir.path, renderNetSection(input, fmt), "luna_setnet");
    expect(r.stderr).toContain(`luna: network configuration format: ${fmt}`);
    const { files, notes } = renderNetFiles(input, fmt);
    for (const f of files) {
      const path = f.path.replaceAll(BOOTIF_MARK, "eno1");
      expect(r.stderr).toContain(`luna: wrote ${path}\n`);
      expect(readFileSync(join(dir.path, path), "utf8")).toBe(f.text.replaceAll(BOOTIF_MARK, "eno1"));
      expect((statSync(join(dir.path, path)).mode & 0o777).toString(8)).toBe(f.mode);
    }
    for (const note of notes) expect(r.stderr).toContain(`luna: ${note}\n`);
    expect(readFileSync(join(dir.path, "etc/hostname"), "utf8")).toBe("n1.cluster\n");
  });
}

test("with no NIC of the node's MAC, BOOTIF is written under its own name (as before)", async () => {
  using dir = tempDir("luna-setnet-");
  mkdirSync(join(dir.path, ".sys/class/net"), { recursive: true });
  const r = await inBody(dir.path, renderNetSection(LINKS, "ifcfg"), "luna_setnet");
  expect(r.stderr).toContain(`luna: no interface has MAC ${MAC}; BOOTIF is written as it is`);
  expect(readFileSync(join(dir.path, "etc/sysconfig/network-scripts/ifcfg-bond0"), "utf8")).toContain(
    "DEVICE=bond0\n",
  );
  expect(readFileSync(join(dir.path, "etc/sysconfig/network-scripts/ifcfg-BOOTIF"), "utf8")).toStartWith(
    "DEVICE=BOOTIF\nNAME=BOOTIF\nONBOOT=yes\nMASTER=bond0\n",
  );
});

test("an image with no known format gets no network files, and the install goes on", async () => {
  using dir = tempDir("luna-setnet-");
  const r = await inBody(dir.path, renderNetSection(PLAIN), "luna_setnet");
  expect(r.stderr).toContain("luna: network configuration format: none");
  expect(r.stderr).toContain(
    "luna: no known network configuration format in the image; interfaces left unconfigured",
  );
  expect(readdirSync(join(dir.path, "etc"))).toEqual(["hostname"]);
});
