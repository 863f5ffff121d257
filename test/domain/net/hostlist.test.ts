/**
 * Hostlist expansion (src/domain/net/hostlist.ts): Slurm/pdsh-style ranges, zero padding,
 * order as written, dedupe, and INVALID_ARGUMENT for anything malformed or too large.
 */
import { describe, expect, test } from "bun:test";
import { AppError } from "../../../src/domain/errors.ts";
import { expandHostlist, isHostlist } from "../../../src/domain/net/hostlist.ts";

function hostlistError(text: string): AppError {
  let caught: unknown;
  try {
    expandHostlist(text);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(AppError);
  expect((caught as AppError).code).toBe("INVALID_ARGUMENT");
  return caught as AppError;
}

describe("expandHostlist", () => {
  const cases: [string, string[]][] = [
    ["node001", ["node001"]],
    ["  node001  ", ["node001"]],
    ["node[001-003]", ["node001", "node002", "node003"]],
    ["node[1-3]", ["node1", "node2", "node3"]],
    ["node[1,3,5-7]", ["node1", "node3", "node5", "node6", "node7"]],
    ["node[ 1 , 3 ]", ["node1", "node3"]],
    ["node[7]", ["node7"]],
    ["node[5-5]", ["node5"]],
    ["node[08-11]", ["node08", "node09", "node10", "node11"]],
    ["node[98-101]", ["node98", "node99", "node100", "node101"]],
    ["node[0-2]", ["node0", "node1", "node2"]],
    ["[1-3]", ["1", "2", "3"]],
    ["node[1-2]-ib", ["node1-ib", "node2-ib"]],
    ["rack[1-2]node[01-02]", ["rack1node01", "rack1node02", "rack2node01", "rack2node02"]],
    ["r[1-2]c[1-2]n[1]", ["r1c1n1", "r1c2n1", "r2c1n1", "r2c2n1"]],
    ["node[3,1,2]", ["node3", "node1", "node2"]],
    ["a,b,c", ["a", "b", "c"]],
    ["c, a ,b", ["c", "a", "b"]],
    ["node[1-2],gpu[1,3]", ["node1", "node2", "gpu1", "gpu3"]],
    ["switch01,node[1-2],login", ["switch01", "node1", "node2", "login"]],
    ["node[1-3],node[2-4]", ["node1", "node2", "node3", "node4"]],
    ["node[1,1,2]", ["node1", "node2"]],
    ["a,a,b,a", ["a", "b"]],
    ["node1,node[1-2]", ["node1", "node2"]],
    ["a,,b,", ["a", "b"]],
  ];
  test.each(cases)("expandHostlist expands %p to %p", (text, names) => {
    expect(expandHostlist(text)).toEqual(names);
  });

  test("expandHostlist keeps the padding of a long range", () => {
    const names = expandHostlist("node[0001-1000]");
    expect(names).toHaveLength(1000);
    expect(names[0]).toBe("node0001");
    expect(names[999]).toBe("node1000");
  });

  test("expandHostlist allows exactly 100000 names", () => {
    expect(expandHostlist("n[1-100000]")).toHaveLength(100_000);
    expect(expandHostlist("a[1-100],b[1-99900]")).toHaveLength(100_000);
  });

  const invalid: [string, string][] = [
    ["node[1-3", "unbalanced '['"],
    ["node1-3]", "unbalanced ']'"],
    ["node]1[", "unbalanced ']'"],
    ["node[1-2]]", "unbalanced ']'"],
    ["node[[1-2]]", "not a number"],
    ["node[3-1]", "runs backwards"],
    ["node[010-009]", "runs backwards"],
    ["node[a-c]", "not a number"],
    ["node[1-x]", "not a number"],
    ["node[-1]", "not a number"],
    ["node[1.5]", "not a number"],
    ["node[]", "not a number"],
    ["node[1,]", "not a number"],
    ["node[1--3]", "not a number"],
    ["", "no names"],
    ["   ", "no names"],
    [",", "no names"],
    [" , ,", "no names"],
    ["n[1-100001]", "more than 100000 names"],
    ["n[0-99999999999]", "more than 100000 names"],
    ["n[1-60000,60001-100001]", "more than 100000 names"],
    ["r[1-1000]n[1-101]", "more than 100000 names"],
    ["a[1-50000],b[1-50001]", "more than 100000 names"],
    ["n[1-100000],x", "more than 100000 names"],
    [`n[${"1-100000,".repeat(50)}1]`, "more than 100000 names"],
  ];
  test.each(invalid)("expandHostlist rejects %p with INVALID_ARGUMENT (%s)", (text, why) => {
    const e = hostlistError(text);
    expect(e.message).toContain(why);
    expect(e.hint).toBeDefined();
  });
});

describe("isHostlist", () => {
  const cases: [string, boolean][] = [
    ["node001", false],
    ["node[1-2]", true],
    ["a,b", true],
    ["", false],
  ];
  test.each(cases)("isHostlist says %p is a hostlist: %p", (text, expected) => {
    expect(isHostlist(text)).toBe(expected);
  });
});
