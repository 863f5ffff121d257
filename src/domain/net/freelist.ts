/**
 * Free lists of host offsets inside a network: a sorted list of disjoint, non-adjacent
 * inclusive ranges. Allocation takes the lowest free offset, exactly as the original did, so
 * addresses stay predictable (node001 gets .0.1). All functions are pure and return a new list.
 */
import { AppError } from "../errors.ts";

export type Range = readonly [bigint, bigint];
export type FreeList = readonly Range[];
/** How a free list is stored: bigints as decimal strings, so IPv6 survives JSON. */
export type StoredFreeList = [string, string][];

export const createFreeList = (last: bigint): FreeList => (last >= 1n ? [[1n, last]] : []);

export const toStored = (list: FreeList): StoredFreeList =>
  list.map(([a, b]) => [a.toString(), b.toString()]);
export const fromStored = (list: StoredFreeList): FreeList => list.map(([a, b]) => [BigInt(a), BigInt(b)]);

export const isFree = (list: FreeList, offset: bigint): boolean =>
  list.some(([a, b]) => offset >= a && offset <= b);

export function takeLowest(list: FreeList): { offset: bigint; list: FreeList } {
  const first = list[0];
  if (!first)
    throw new AppError(
      "IP_POOL_EXHAUSTED",
      "No free addresses left in the network",
      "Grow the network prefix or release addresses",
    );
  const offset = first[0];
  return { offset, list: take(list, offset, offset) };
}

/** Marks [start, end] as used; every offset in it must be free. */
export function take(list: FreeList, start: bigint, end: bigint = start): FreeList {
  if (end < start) return list; // an empty range takes nothing (it used to split into overlapping ranges)
  const index = list.findIndex(([a, b]) => start >= a && end <= b);
  if (index < 0)
    throw new AppError("IP_TAKEN", "Address is already in use", "Pick a free address or release it first");
  const [a, b] = list[index] as Range;
  const pieces: Range[] = [];
  if (a < start) pieces.push([a, start - 1n]);
  if (end < b) pieces.push([end + 1n, b]);
  return [...list.slice(0, index), ...pieces, ...list.slice(index + 1)];
}

/** Frees [start, end] (clamped to 1..last); already-free offsets stay free. */
export function release(list: FreeList, last: bigint, start: bigint, end: bigint = start): FreeList {
  const s = start < 1n ? 1n : start;
  const e = end > last ? last : end;
  if (s > e) return list;
  const merged: Range[] = [];
  for (const range of [...list, [s, e] as Range].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))) {
    const prev = merged[merged.length - 1];
    if (prev && range[0] <= prev[1] + 1n) {
      merged[merged.length - 1] = [prev[0], range[1] > prev[1] ? range[1] : prev[1]];
    } else {
      merged.push(range);
    }
  }
  return merged;
}

/** Rebuilds a free list for a network whose usable offsets are 1..last and `used` are taken. */
export function rebuild(last: bigint, used: Iterable<bigint>): FreeList {
  let list = createFreeList(last);
  for (const offset of [...new Set(used)].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))) {
    if (offset < 1n || offset > last) {
      throw new AppError("IP_OUT_OF_NETWORK", `Offset ${offset} lies outside the network`);
    }
    list = take(list, offset);
  }
  return list;
}

export function countFree(list: FreeList): bigint {
  return list.reduce((sum, [a, b]) => sum + (b - a + 1n), 0n);
}
