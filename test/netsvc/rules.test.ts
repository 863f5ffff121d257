/** Table tests for the small pure rules: serials, reverse zones, host names, the hosts block. */
import { describe, expect, test } from "bun:test";
import type { Group, Network } from "../../src/domain/model.ts";
import { interfaceNames } from "../../src/domain/netsvc/dns.ts";
import { reverseKey } from "../../src/netsvc/bind.ts";
import { BEGIN, END, mergeHostsBlock } from "../../src/netsvc/hosts.ts";
import { nextSerial, serialOf, settleZone } from "../../src/netsvc/serial.ts";

describe("zone serials", () => {
  const day = new Date("2026-03-05T23:59:00Z");
  test.each([
    [undefined, 2026030500],
    [1, 2026030500],
    [2026030400, 2026030500],
    [2026030500, 2026030501],
    [2026030599, 2026030600],
    [2026040100, 2026040101],
  ])("nextSerial after %p is %p", (prev, next) => {
    expect(nextSerial(prev, day)).toBe(next);
  });

  test("settleZone keeps an unchanged zone byte for byte and bumps a changed one", () => {
    const render = (body: string) => (n: number) => `@ SOA x. y. (\n  ${n} ; serial\n)\n${body}\n`;
    const first = settleZone(undefined, render("a"), day);
    expect(first.serial).toBe(2026030500);
    expect(settleZone(first.text, render("a"), day)).toEqual(first);
    const second = settleZone(first.text, render("b"), day);
    expect(second.serial).toBe(2026030501);
    expect(serialOf(second.text)).toBe(2026030501);
    expect(settleZone(second.text, render("c"), new Date("2026-03-04T00:00:00Z")).serial).toBe(2026030502);
  });
});

describe("reverse zones", () => {
  test.each([
    [4, "10.30.0.0", 16, "30.10.in-addr.arpa", "10.30.1.2", "2.1"],
    [4, "10.50.32.0", 19, "50.10.in-addr.arpa", "10.50.33.4", "4.33"],
    [4, "172.16.1.0", 24, "1.16.172.in-addr.arpa", "172.16.1.9", "9"],
    [4, "172.16.1.128", 25, "1.16.172.in-addr.arpa", "172.16.1.200", "200"],
    [4, "10.0.0.0", 7, "10.in-addr.arpa", "10.1.2.3", "3.2.1"],
    [
      6,
      "fd00:30::",
      64,
      "0.0.0.0.0.0.0.0.0.3.0.0.0.0.d.f.ip6.arpa",
      "fd00:30::1",
      "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0",
    ],
    [
      6,
      "2001:db8::",
      48,
      "0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
      "2001:db8:0:1::a",
      "a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0",
    ],
  ] as const)("IPv%p %s/%p → %s", (v, net, prefix, zone, ip, owner) => {
    const key = reverseKey(v, net, prefix);
    expect(key.zone).toBe(zone);
    expect(key.owner(ip)).toBe(owner);
  });
});

describe("host names per interface", () => {
  const net = { id: "n1", version: 4 } as Network;
  const group = (names: string[]) =>
    ({
      interfaces: names.map((name) => ({ name, network4: "n1", network6: null, params: "" })),
    }) as unknown as Group;
  test.each([
    [["eth0"], { eth0: "" }],
    [["BMC"], { BMC: "-bmc" }],
    [["eth0", "BMC"], { eth0: "", BMC: "-bmc" }],
    [["eth0", "eth1"], { eth0: "-eth0", eth1: "-eth1" }],
    [["Eth0", "ib0"], { Eth0: "-eth0", ib0: "-ib0" }],
    [["eth0", "Eth0", "BMC"], { eth0: "-eth0", Eth0: "-Eth0", BMC: "-bmc" }],
  ])("%j → %j", (names, want) => {
    expect(Object.fromEntries(interfaceNames(group(names), net))).toEqual(want);
  });
});

describe("the hosts block", () => {
  const block = `${BEGIN}\n10.0.0.1 a.net a\n${END}\n`;
  test.each([
    [undefined, block],
    ["127.0.0.1 localhost\n", `127.0.0.1 localhost\n${block}`],
    ["127.0.0.1 localhost", `127.0.0.1 localhost\n${block}`],
    [`127.0.0.1 localhost\n${BEGIN}\nold\n${END}\n::1 six\n`, `127.0.0.1 localhost\n${block}::1 six\n`],
    [`${BEGIN}\nold\n${END}\n`, block],
  ])("merging into %p", (existing, want) => {
    expect(mergeHostsBlock(existing, block)).toBe(want);
  });
});
