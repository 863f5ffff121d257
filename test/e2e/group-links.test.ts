/**
 * `luna group change --interface IF --vlan ID --parent IF | --bond-mode M --bond-members IF,IF
 * | --ipoib y|n` through the compiled binary: a bond with a VLAN on it is built on a small
 * cluster, `group show` prints it (text and --json), the node's install script carries the
 * bond's files, and bad settings fail with exit code 2, one clear line, and the store as it was.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type Sandbox, sandbox } from "../helpers/luna.ts";

const SEED = (image: string) => `set -e
luna cluster init
luna cluster change --frontend_address 10.30.255.254
luna osimage add -n compute -p ${image}
luna network add -n cluster -N 10.30.0.0 -P 16
luna network add -n storage -N 10.33.0.0 -P 16
luna group add -n compute -o compute
luna group change -n compute --interface eth1 --add
luna group change -n compute --interface bond0 --bond-mode 802.3ad --bond-members BOOTIF,eth1 --setnet cluster
luna group change -n compute --interface storage --vlan 200 --parent bond0 --setnet storage
luna group change -n compute --interface opa0 --ipoib y
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

test("group show lists the links in text, and as fields only where set in --json", async () => {
  const text = await box.luna(["group", "show", "compute"]);
  expect(text.code).toBe(0);
  expect(text.stdout).toContain("[BOOTIF]: - (in bond0)");
  expect(text.stdout).toContain("[bond0]:  [cluster]:10.30.0.0/16 (bond 802.3ad of BOOTIF,eth1)");
  expect(text.stdout).toContain("[storage]:[storage]:10.33.0.0/16 (VLAN 200 on bond0)");
  expect(text.stdout).toContain("[opa0]:   - (IPoIB)");
  const json = await box.luna(["group", "show", "compute", "--json"]);
  expect(json.code).toBe(0);
  expect(JSON.parse(json.stdout).interfaces).toEqual([
    { name: "BOOTIF", network4: null, network6: null, params: "" },
    { name: "eth1", network4: null, network6: null, params: "" },
    {
      name: "bond0",
      network4: "cluster",
      network6: null,
      params: "",
      bond_mode: "802.3ad",
      bond_members: ["BOOTIF", "eth1"],
    },
    { name: "storage", network4: "storage", network6: null, params: "", vlan: 200, parent: "bond0" },
    { name: "opa0", network4: null, network6: null, params: "", ipoib: true },
  ]);
});

test("the install script carries the bond, its members and the VLAN for every format", async () => {
  const r = await box.luna(["node", "show", "node001", "--script", "install"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("luna_netfile 600 '/etc/NetworkManager/system-connections/bond0.nmconnection'");
  expect(r.stdout).toContain("[Network]\nBond=bond0\n");
  expect(r.stdout).toContain('BONDING_OPTS="mode=802.3ad"\nBOOTPROTO=none\nIPADDR=10.30.0.1\n');
  expect(r.stdout).toContain(
    "iface storage inet static\n    address 10.33.0.1/16\n    pre-up ip link add link bond0",
  );
});

const REFUSED: { args: string[]; says: RegExp }[] = [
  { args: ["--interface", "v", "--vlan", "4095", "--parent", "eth1"], says: /Invalid VLAN id '4095'/ },
  { args: ["--interface", "v", "--vlan", "5"], says: /needs both a VLAN id and a parent/ },
  {
    args: ["--interface", "b", "--bond-mode", "lacp", "--bond-members", "eth1"],
    says: /Unknown bond mode 'lacp'/,
  },
  {
    args: ["--interface", "b", "--bond-mode", "802.3ad", "--bond-members", "nic9"],
    says: /no such interface/,
  },
  { args: ["--interface", "storage", "--parent", "storage"], says: /cannot be its own parent/ },
  { args: ["--vlan", "5", "--parent", "eth1"], says: /need --interface IF/ },
  { args: ["--interface", "eth1", "--delete"], says: /'bond0' is built on it/ },
  { args: ["--interface", "eth1", "--setnet", "cluster"], says: /member of bond 'bond0'/ },
  {
    args: ["--interface", "eth1", "--delete", "--ipoib", "y"],
    says: /Delete an interface or change it, not both/,
  },
];

for (const row of REFUSED) {
  test(`group change ${row.args.join(" ")} is refused and changes nothing`, async () => {
    const before = box.dump();
    const r = await box.luna(["group", "change", "-n", "compute", ...row.args]);
    expect(r.stderr).toMatch(row.says);
    expect(r.stderr.trim().split("\n").length).toBeLessThanOrEqual(2);
    expect(r.code).toBe(row.args.includes("--delete") && !row.args.includes("--ipoib") ? 4 : 2);
    expect(box.dump()).toBe(before);
  });
}
