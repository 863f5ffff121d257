/**
 * Hostlist ranges as HPC admins write them (Slurm, pdsh): `node[001-036]`, `node[1,3,5-7]`,
 * `rack[1-2]node[01-04]` and comma-separated lists of those. Expansion keeps the zero padding of
 * the lower bound and the order written; it is capped so a typo cannot allocate millions of names.
 */
import { AppError } from "../errors.ts";

const MAX_HOSTS = 100_000;

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "[") depth++;
    if (ch === "]") depth--;
    if (depth < 0) throw bad(text, "unbalanced ']'");
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  if (depth !== 0) throw bad(text, "unbalanced '['");
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

const bad = (text: string, why: string): AppError =>
  new AppError(
    "INVALID_ARGUMENT",
    `Invalid hostlist '${text}': ${why}`,
    "Write ranges like node[001-036] or node[1,3,5-7]",
  );

function expandSet(body: string, whole: string): string[] {
  const out: string[] = [];
  for (const item of body.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(item.trim());
    if (!m) throw bad(whole, `'${item}' is not a number or a range`);
    const lo = m[1] as string;
    const hi = m[2] ?? lo;
    const from = Number(lo);
    const to = Number(hi);
    if (to < from) throw bad(whole, `range ${lo}-${hi} runs backwards`);
    if (out.length + (to - from + 1) > MAX_HOSTS) throw bad(whole, `more than ${MAX_HOSTS} names`);
    const width = lo.length;
    for (let n = from; n <= to; n++) out.push(String(n).padStart(width, "0"));
  }
  return out;
}

function expandOne(pattern: string, whole: string): string[] {
  const open = pattern.indexOf("[");
  if (open < 0) return [pattern];
  const close = pattern.indexOf("]", open);
  if (close < 0) throw bad(whole, "unbalanced '['");
  const head = pattern.slice(0, open);
  const tails = expandOne(pattern.slice(close + 1), whole);
  const out: string[] = [];
  for (const n of expandSet(pattern.slice(open + 1, close), whole)) {
    for (const tail of tails) {
      out.push(head + n + tail);
      if (out.length > MAX_HOSTS) throw bad(whole, `more than ${MAX_HOSTS} names`);
    }
  }
  return out;
}

export function expandHostlist(text: string): string[] {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const part of splitTopLevel(text)) {
    for (const name of expandOne(part, text)) {
      if (!seen.has(name)) {
        seen.add(name);
        names.push(name);
        if (names.length > MAX_HOSTS) throw bad(text, `more than ${MAX_HOSTS} names`);
      }
    }
  }
  if (names.length === 0) throw bad(text, "no names");
  return names;
}

export const isHostlist = (text: string): boolean => text.includes("[") || text.includes(",");
