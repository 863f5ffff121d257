/**
 * Network files per format (src/domain/boot/netfiles.ts): a golden file per scenario and
 * format (UPDATE_GOLDEN=1 rewrites them; review the diff), and the rules every format shares:
 * the boot NIC pinned by its MAC (never IPoIB), bond members without addresses, the notes
 * for parameters only ifcfg understands. test/domain/boot/netfiles-tools.slow.test.ts feeds the
 * same files to the tools that read them.
 */
import { expect, test } from "bun:test";
import { NET_FILE_FORMATS, renderNetFiles } from "../../../src/domain/boot/netfiles.ts";
import { expectGolden } from "../../helpers/golden.ts";
import { LINKS, listing, PLAIN, SCENARIOS } from "../../helpers/netfiles-scenarios.ts";

for (const [name, input] of Object.entries(SCENARIOS)) {
  for (const fmt of NET_FILE_FORMATS) {
    test(`${name} renders as in test/fixtures/netfiles/${name}/${fmt}.txt`, () => {
      expectGolden(`netfiles/${name}/${fmt}.txt`, listing(renderNetFiles(input, fmt).files));
    });
  }
}

const plain = PLAIN;
const links = LINKS;
const textOf = (fmt: (typeof NET_FILE_FORMATS)[number], input = plain) =>
  renderNetFiles(input, fmt)
    .files.map((f) => f.text)
    .join("");

test("only the boot NIC is pinned by its MAC, and IPoIB never is, in every format", () => {
  for (const fmt of NET_FILE_FORMATS.filter((f) => f !== "debian")) {
    const files = renderNetFiles(plain, fmt).files;
    const withMac = files.filter((f) => f.text.includes("52:54:00:00:00:01")).map((f) => f.path);
    expect(withMac).toHaveLength(1);
    expect(withMac[0]).toContain("enp7s0");
  }
  // ifupdown cannot match a NIC by MAC: the install script names BOOTIF's NIC instead.
  expect(textOf("debian")).not.toContain("52:54:00");
  // IPoIB as the boot interface still gets no MAC (its hardware address is 20 bytes).
  const ibBoot = { ...plain, bootIf: plain.interfaces[1] ?? null };
  for (const fmt of NET_FILE_FORMATS) {
    const ib = renderNetFiles(ibBoot, fmt).files.find((f) => f.path.includes("ib0"));
    expect(ib?.text).not.toContain("52:54:00");
  }
});

test("a group interface named BOOTIF is written as @BOOTIF@, for the install script to name", () => {
  for (const fmt of NET_FILE_FORMATS) {
    const files = renderNetFiles(links, fmt).files;
    expect(files.some((f) => f.path.includes("@BOOTIF@"))).toBe(true);
    expect(files.map((f) => f.text).join("")).not.toMatch(/\bBOOTIF\b(?!@)/);
  }
});

test("NetworkManager keyfiles are 0600 (NetworkManager ignores others); the rest 0644", () => {
  for (const fmt of NET_FILE_FORMATS) {
    const modes = new Set(renderNetFiles(links, fmt).files.map((f) => f.mode));
    expect([...modes]).toEqual([fmt === "nm" ? "600" : "644"]);
  }
});

test("parameters other than MTU are noted for every format but ifcfg, which gets them as they are", () => {
  for (const fmt of ["nm", "networkd", "debian"] as const) {
    expect(renderNetFiles(plain, fmt).notes).toEqual([
      `eno2: parameters other than MTU are ifcfg lines and were not translated for ${fmt}`,
    ]);
    expect(textOf(fmt)).not.toContain("ETHTOOL_OPTS");
  }
  expect(renderNetFiles(plain, "ifcfg").notes).toEqual([]);
  expect(textOf("ifcfg")).toContain("IPV6ADDR=fd00:30::1/64\nMTU=9000\nETHTOOL_OPTS=x\n");
});

test("IPoIB runs in connected mode when asked to or when its MTU needs it, else in datagram mode", () => {
  const ib = (params: string) => ({
    ...plain,
    interfaces: [{ ...(plain.interfaces[1] as (typeof plain.interfaces)[number]), params }],
  });
  expect(textOf("nm", ib("MTU=65520"))).toContain("transport-mode=connected");
  expect(textOf("nm", ib("MTU=4092"))).toContain("transport-mode=datagram");
  expect(textOf("nm", ib("CONNECTED_MODE=yes"))).toContain("transport-mode=connected");
  expect(textOf("nm", ib("MTU=65520\nCONNECTED_MODE=no"))).toContain("transport-mode=datagram");
  expect(renderNetFiles(ib("MTU=65520"), "networkd").notes).toEqual([
    "ib0: systemd-networkd cannot put IPoIB in connected mode; set it in a postscript",
  ]);
  expect(textOf("debian", ib("MTU=65520"))).toContain("pre-up echo connected > /sys/class/net/ib0/mode");
  // ifcfg keeps the operator's own line rather than adding a second one.
  expect(textOf("ifcfg", ib("MTU=65520"))).toContain("CONNECTED_MODE=yes\n");
  expect(textOf("ifcfg", ib("MTU=65520\nCONNECTED_MODE=yes")).match(/CONNECTED_MODE/g)).toHaveLength(1);
  // For Ethernet CONNECTED_MODE means nothing: left to ifcfg, with a note elsewhere.
  const eth = {
    ...plain,
    interfaces: [
      { ...(plain.interfaces[0] as (typeof plain.interfaces)[number]), params: "CONNECTED_MODE=yes" },
    ],
  };
  expect(renderNetFiles(eth, "nm").notes).toHaveLength(1);
});
