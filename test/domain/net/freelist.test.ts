/**
 * Free lists of host offsets (src/domain/net/freelist.ts): sorted, disjoint, non-adjacent
 * inclusive ranges, allocated lowest first and stored as decimal strings.
 */
import { describe, expect, test } from "bun:test";
import { AppError, type ErrorCode } from "../../../src/domain/errors.ts";
import {
  countFree,
  createFreeList,
  type FreeList,
  fromStored,
  isFree,
  rebuild,
  release,
  type StoredFreeList,
  take,
  takeLowest,
  toStored,
} from "../../../src/domain/net/freelist.ts";

function expectCode(fn: () => unknown, code: ErrorCode): AppError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(AppError);
  expect((caught as AppError).code).toBe(code);
  return caught as AppError;
}

/** Checks the invariant: sorted, each range non-empty, and a gap of at least one between ranges. */
function expectWellFormed(list: FreeList): void {
  list.forEach(([a, b], i) => {
    expect(a <= b).toBe(true);
    const prev = list[i - 1];
    if (prev) expect(a > prev[1] + 1n).toBe(true);
  });
}

const V6_LAST = (1n << 64n) - 2n;

describe("createFreeList", () => {
  const cases: [bigint, FreeList][] = [
    [254n, [[1n, 254n]]],
    [2n, [[1n, 2n]]],
    [1n, [[1n, 1n]]],
    [0n, []],
    [-1n, []],
    [V6_LAST, [[1n, V6_LAST]]],
  ];
  test.each(cases)("createFreeList with last %p gives %p", (last, list) => {
    expect(createFreeList(last)).toEqual(list);
  });
});

describe("takeLowest", () => {
  const cases: [string, FreeList, bigint, FreeList][] = [
    ["a fresh list", [[1n, 254n]], 1n, [[2n, 254n]]],
    [
      "a one-offset first range",
      [
        [3n, 3n],
        [7n, 9n],
      ],
      3n,
      [[7n, 9n]],
    ],
    [
      "a list with a hole",
      [
        [2n, 4n],
        [10n, 20n],
      ],
      2n,
      [
        [3n, 4n],
        [10n, 20n],
      ],
    ],
    ["the last free offset", [[254n, 254n]], 254n, []],
    ["an IPv6-sized list", [[V6_LAST, V6_LAST]], V6_LAST, []],
  ];
  test.each(cases)("takeLowest takes the lowest offset of %s", (_label, list, offset, rest) => {
    expect(takeLowest(list)).toEqual({ offset, list: rest });
  });

  test("takeLowest hands out offsets in ascending order until the pool runs out", () => {
    let list = createFreeList(6n);
    const taken: bigint[] = [];
    while (list.length > 0) {
      const next = takeLowest(list);
      taken.push(next.offset);
      list = next.list;
    }
    expect(taken).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);
    expectCode(() => takeLowest(list), "IP_POOL_EXHAUSTED");
  });

  test("takeLowest on an empty list fails with IP_POOL_EXHAUSTED and a hint", () => {
    const e = expectCode(() => takeLowest([]), "IP_POOL_EXHAUSTED");
    expect(e.hint).toBeDefined();
  });

  test("takeLowest leaves its input untouched", () => {
    const list: FreeList = [[1n, 5n]];
    takeLowest(list);
    expect(list).toEqual([[1n, 5n]]);
  });
});

describe("take", () => {
  const base: FreeList = [
    [1n, 10n],
    [20n, 30n],
  ];
  const cases: [string, FreeList, bigint, bigint | undefined, FreeList][] = [
    [
      "the start of a range",
      base,
      1n,
      undefined,
      [
        [2n, 10n],
        [20n, 30n],
      ],
    ],
    [
      "the end of a range",
      base,
      10n,
      undefined,
      [
        [1n, 9n],
        [20n, 30n],
      ],
    ],
    [
      "the middle of a range, splitting it",
      base,
      5n,
      undefined,
      [
        [1n, 4n],
        [6n, 10n],
        [20n, 30n],
      ],
    ],
    [
      "a sub-range in the middle",
      base,
      22n,
      25n,
      [
        [1n, 10n],
        [20n, 21n],
        [26n, 30n],
      ],
    ],
    [
      "a sub-range at the start",
      base,
      1n,
      3n,
      [
        [4n, 10n],
        [20n, 30n],
      ],
    ],
    [
      "a sub-range at the end",
      base,
      28n,
      30n,
      [
        [1n, 10n],
        [20n, 27n],
      ],
    ],
    ["a whole range", base, 20n, 30n, [[1n, 10n]]],
    ["a one-offset range", [[5n, 5n]], 5n, 5n, []],
    ["an empty range, which takes nothing", base, 5n, 3n, base],
    [
      "an IPv6 offset",
      [[1n, V6_LAST]],
      1n << 40n,
      undefined,
      [
        [1n, (1n << 40n) - 1n],
        [(1n << 40n) + 1n, V6_LAST],
      ],
    ],
  ];
  test.each(cases)("take marks %s as used", (_label, list, start, end, rest) => {
    const result = take(list, start, end);
    expect(result).toEqual(rest);
    expectWellFormed(result);
  });

  const taken: [string, bigint, bigint | undefined][] = [
    ["a taken offset", 15n, undefined],
    ["offset 0 (the network address)", 0n, undefined],
    ["an offset past the last", 31n, undefined],
    ["a range over a taken offset", 8n, 12n],
    ["a range spanning two free ranges", 5n, 25n],
    ["a range running past the last offset", 28n, 32n],
  ];
  test.each(taken)("take refuses %s with IP_TAKEN", (_label, start, end) => {
    expectCode(() => take(base, start, end), "IP_TAKEN");
  });

  test("take refuses an offset it has already taken", () => {
    const once = take(createFreeList(254n), 7n);
    expectCode(() => take(once, 7n), "IP_TAKEN");
  });

  test("take leaves its input untouched", () => {
    const list: FreeList = [[1n, 10n]];
    take(list, 5n);
    expect(list).toEqual([[1n, 10n]]);
  });
});

describe("release", () => {
  const cases: [string, FreeList, bigint, bigint, bigint | undefined, FreeList][] = [
    ["into an empty list", [], 254n, 7n, undefined, [[7n, 7n]]],
    [
      "a lone offset between ranges",
      [
        [1n, 3n],
        [10n, 20n],
      ],
      254n,
      6n,
      undefined,
      [
        [1n, 3n],
        [6n, 6n],
        [10n, 20n],
      ],
    ],
    ["an offset adjacent below a range", [[5n, 9n]], 254n, 4n, undefined, [[4n, 9n]]],
    ["an offset adjacent above a range", [[5n, 9n]], 254n, 10n, undefined, [[5n, 10n]]],
    [
      "the single hole between two ranges",
      [
        [1n, 4n],
        [6n, 9n],
      ],
      254n,
      5n,
      undefined,
      [[1n, 9n]],
    ],
    [
      "a range bridging three ranges",
      [
        [1n, 2n],
        [5n, 6n],
        [9n, 10n],
      ],
      254n,
      3n,
      8n,
      [[1n, 10n]],
    ],
    ["a range overlapping a range's end", [[1n, 5n]], 254n, 3n, 8n, [[1n, 8n]]],
    ["a range overlapping a range's start", [[5n, 9n]], 254n, 2n, 6n, [[2n, 9n]]],
    [
      "a range covering several ranges",
      [
        [3n, 4n],
        [7n, 8n],
      ],
      254n,
      2n,
      10n,
      [[2n, 10n]],
    ],
    ["a range inside a free range", [[1n, 20n]], 254n, 5n, 6n, [[1n, 20n]]],
    [
      "a range below every range",
      [[50n, 60n]],
      254n,
      10n,
      20n,
      [
        [10n, 20n],
        [50n, 60n],
      ],
    ],
    [
      "a range above every range",
      [[1n, 5n]],
      254n,
      10n,
      20n,
      [
        [1n, 5n],
        [10n, 20n],
      ],
    ],
    ["offset 0, clamped away", [[5n, 9n]], 254n, 0n, undefined, [[5n, 9n]]],
    [
      "a range from 0, clamped to 1",
      [[5n, 9n]],
      254n,
      0n,
      3n,
      [
        [1n, 3n],
        [5n, 9n],
      ],
    ],
    ["a negative start, clamped to 1", [], 254n, -5n, 2n, [[1n, 2n]]],
    ["the broadcast offset, clamped away", [[1n, 9n]], 254n, 255n, undefined, [[1n, 9n]]],
    [
      "a range past the last, clamped to it",
      [[1n, 9n]],
      254n,
      250n,
      300n,
      [
        [1n, 9n],
        [250n, 254n],
      ],
    ],
    ["an empty range", [[1n, 9n]], 254n, 20n, 10n, [[1n, 9n]]],
    ["IPv6 offsets", [[1n, 1n << 40n]], V6_LAST, (1n << 40n) + 1n, V6_LAST, [[1n, V6_LAST]]],
  ];
  test.each(cases)("release frees %s", (_label, list, last, start, end, result) => {
    const out = release(list, last, start, end);
    expect(out).toEqual(result);
    expectWellFormed(out);
  });

  const idempotent: [string, bigint, bigint][] = [
    ["a single offset", 5n, 5n],
    ["a range", 3n, 40n],
    ["a clamped range", 0n, 1000n],
  ];
  test.each(idempotent)("release of %s is idempotent", (_label, start, end) => {
    const list: FreeList = [
      [1n, 2n],
      [10n, 20n],
      [30n, 30n],
    ];
    const once = release(list, 254n, start, end);
    expect(release(once, 254n, start, end)).toEqual(once);
  });

  test("release undoes take", () => {
    const full = createFreeList(254n);
    expect(release(take(full, 100n, 120n), 254n, 100n, 120n)).toEqual(full);
    expect(release(takeLowest(full).list, 254n, 1n)).toEqual(full);
  });

  test("release leaves its input untouched", () => {
    const list: FreeList = [[1n, 3n]];
    release(list, 254n, 4n);
    expect(list).toEqual([[1n, 3n]]);
  });
});

describe("rebuild", () => {
  const cases: [string, bigint, bigint[], FreeList][] = [
    ["nothing used", 254n, [], [[1n, 254n]]],
    ["the lowest offsets used", 254n, [1n, 2n, 3n], [[4n, 254n]]],
    [
      "scattered offsets, out of order",
      20n,
      [10n, 2n, 15n],
      [
        [1n, 1n],
        [3n, 9n],
        [11n, 14n],
        [16n, 20n],
      ],
    ],
    [
      "duplicate offsets",
      10n,
      [5n, 5n, 5n],
      [
        [1n, 4n],
        [6n, 10n],
      ],
    ],
    ["every offset used", 2n, [2n, 1n], []],
    ["the last offset used", 254n, [254n], [[1n, 253n]]],
    ["an empty network", 0n, [], []],
    ["IPv6 offsets", V6_LAST, [V6_LAST, 1n], [[2n, V6_LAST - 1n]]],
  ];
  test.each(cases)("rebuild handles %s", (_label, last, used, list) => {
    expect(rebuild(last, used)).toEqual(list);
  });

  test("rebuild accepts any iterable of offsets", () => {
    expect(rebuild(5n, new Set([2n, 4n]))).toEqual([
      [1n, 1n],
      [3n, 3n],
      [5n, 5n],
    ]);
  });

  const outside: [string, bigint[]][] = [
    ["offset 0", [0n]],
    ["a negative offset", [-1n]],
    ["an offset past the last", [255n]],
    ["a bad offset among good ones", [1n, 2n, 300n]],
  ];
  test.each(outside)("rebuild refuses %s with IP_OUT_OF_NETWORK", (_label, used) => {
    expectCode(() => rebuild(254n, used), "IP_OUT_OF_NETWORK");
  });
});

describe("countFree", () => {
  const cases: [string, FreeList, bigint][] = [
    ["an empty list", [], 0n],
    ["a fresh /24", createFreeList(254n), 254n],
    ["a fresh /16", createFreeList(65534n), 65534n],
    [
      "single-offset ranges",
      [
        [1n, 1n],
        [3n, 3n],
      ],
      2n,
    ],
    [
      "mixed ranges",
      [
        [1n, 4n],
        [10n, 19n],
        [30n, 30n],
      ],
      15n,
    ],
    ["a fresh /64", createFreeList(V6_LAST), V6_LAST],
  ];
  test.each(cases)("countFree counts %s", (_label, list, count) => {
    expect(countFree(list)).toBe(count);
  });

  test("countFree drops by one per takeLowest", () => {
    const list = createFreeList(10n);
    expect(countFree(takeLowest(list).list)).toBe(9n);
  });
});

describe("isFree", () => {
  const list: FreeList = [
    [1n, 3n],
    [10n, 10n],
  ];
  const cases: [bigint, boolean][] = [
    [0n, false],
    [1n, true],
    [3n, true],
    [4n, false],
    [10n, true],
    [11n, false],
  ];
  test.each(cases)("isFree says offset %p is free: %p", (offset, free) => {
    expect(isFree(list, offset)).toBe(free);
  });
});

describe("toStored and fromStored", () => {
  const cases: [string, FreeList, StoredFreeList][] = [
    ["an empty list", [], []],
    ["a fresh /24", [[1n, 254n]], [["1", "254"]]],
    [
      "several ranges",
      [
        [1n, 3n],
        [10n, 10n],
      ],
      [
        ["1", "3"],
        ["10", "10"],
      ],
    ],
    ["a /64", [[1n, V6_LAST]], [["1", "18446744073709551614"]]],
    [
      "a /1 IPv6 network",
      [[1n << 100n, (1n << 127n) - 2n]],
      [["1267650600228229401496703205376", "170141183460469231731687303715884105726"]],
    ],
  ];
  test.each(
    cases,
  )("toStored writes %s as decimal strings and fromStored reads it back", (_label, list, stored) => {
    expect(toStored(list)).toEqual(stored);
    expect(fromStored(stored)).toEqual(list);
  });

  test("toStored output survives JSON without losing IPv6-sized values", () => {
    const list = release(take(createFreeList((1n << 127n) - 2n), 1n << 90n), (1n << 127n) - 2n, 5n);
    const json = JSON.stringify(toStored(list));
    expect(fromStored(JSON.parse(json) as StoredFreeList)).toEqual(list);
    expect(countFree(fromStored(JSON.parse(json) as StoredFreeList))).toBe((1n << 127n) - 3n);
  });
});
