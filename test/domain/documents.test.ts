/**
 * Stored documents are read through their schema (issue 14 item 5): defaults declared once in
 * model.ts fill the fields older documents lack, and what does not match is STORE_INVALID.
 * The stores' side is in the store contract (test/helpers/store-contract.ts).
 */
import { expect, test } from "bun:test";
import { clusterDefaults } from "../../src/domain/cluster.ts";
import { COMPILE_AFTER, defaultsOf, readDocument } from "../../src/domain/documents.ts";
import { AppError } from "../../src/domain/errors.ts";

test("a new cluster is made of the schema's defaults and is a valid document", () => {
  const c = readDocument("cluster", { id: "c1", ...clusterDefaults() });
  expect(c.frontend_port).toBe(7050);
  expect(c.tracker_interval).toBe(10);
  expect(c.discovery_by_name).toBe("unbound");
});

test("defaults are fresh values: filling one document does not share its arrays with another", () => {
  const a = defaultsOf("cluster");
  a.cluster_ips?.push("10.0.0.1");
  expect(defaultsOf("cluster").cluster_ips).toEqual([]);
  const n1 = readDocument("node", node("n1"));
  n1.history.push({ step: "boot.request", time: "t" });
  expect(readDocument("node", node("n2")).history).toEqual([]);
});

test("a group stored before method and seed_tail existed reads with torrent and 60", () => {
  const g = readDocument("group", {
    id: "g1",
    name: "compute",
    osimage: "o1",
    bmcsetup: null,
    domain: null,
    boot_if: "BOOTIF",
    torrent_if: "",
    interfaces: [],
    prescript: "",
    partscript: "",
    postscript: "",
    kernopts: "",
    comment: "",
  });
  expect(g.method).toBe("torrent");
  expect(g.seed_tail).toBe(60);
});

test("a wrong type, a missing field without default and a non-object are STORE_INVALID", () => {
  const cases: [unknown, string][] = [
    [{ ...node("n1"), localboot: "yes" }, "The stored node 'n1' is not valid: localboot:"],
    [{ ...node("n2"), group: undefined }, "The stored node 'n2' is not valid: group:"],
    ["text", "The stored node '?' is not valid: (the document):"],
  ];
  for (const [doc, message] of cases) {
    let err: unknown;
    try {
      readDocument("node", doc);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("STORE_INVALID");
    expect((err as AppError).message).toStartWith(message);
  }
});

test("once a kind is read often its compiled check gives the same answers", () => {
  const bmc = (name: string, over: Record<string, unknown> = {}) => ({
    id: `id-${name}`,
    name,
    user: "admin",
    password: "pw",
    userid: 3,
    netchannel: 1,
    mgmtchannel: 1,
    comment: "",
    ...over,
  });
  for (let i = 0; i <= COMPILE_AFTER; i++)
    expect(readDocument("bmcsetup", bmc(`b${i}`)).protocol).toBe("ipmi");
  expect(() => readDocument("bmcsetup", bmc("bad", { userid: "3" }))).toThrow(
    "The stored bmcsetup 'bad' is not valid: userid:",
  );
  expect(readDocument("bmcsetup", bmc("long", { comment: "x".repeat(5000) })).comment).toHaveLength(5000);
});

function node(name: string) {
  return {
    id: `id-${name}`,
    name,
    group: "g1",
    mac: null,
    switch: null,
    port: "",
    localboot: false,
    setupbmc: true,
    service: false,
    interfaces: {},
    status: null,
    comment: "",
  };
}
