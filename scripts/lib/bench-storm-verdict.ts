/**
 * The boot-storm verdict: issue 12's targets checked against the valid rows of one run (CPU
 * busy ≤ 60 %, every node ok), per link profile, each target met or missed by how much. luna
 * is the `torrent` mode. Pure: rows in, Markdown out.
 */
import { counts, profileLabel, type StormRow } from "./bench-storm-report.ts";

interface Item {
  n: number;
  value: number;
  note?: string;
}

interface Check {
  target: string;
  profile: string;
  limit: number;
  /** the value must reach the limit (≥) instead of staying under it (≤) */
  atLeast?: boolean;
  items: Item[];
  /** why there is nothing to check */
  none?: string;
}

/** The N at which plain HTTP and luna are compared. */
const HTTP_N = 64;

const missedBy = (c: Check, i: Item) =>
  c.atLeast ? (1 - i.value / c.limit) * 100 : (i.value / c.limit - 1) * 100;
/** Whole percents, or a tenth under one: a hair over the line is not "missed by 0 %". */
const percent = (p: number) => (p >= 1 ? p.toFixed(0) : p >= 0.1 ? p.toFixed(1) : "< 0.1");
const fails = (c: Check, i: Item) => (c.atLeast ? i.value < c.limit : i.value > c.limit);

function checksFor(rows: StormRow[], ratio: number): Check[] {
  const mine = rows.filter((r) => r.headRatio === ratio);
  const profile = profileLabel(mine[0] as StormRow);
  const luna = mine.filter((r) => r.mode === "torrent" && counts(r));
  const at = (mode: string, n: number) => mine.find((r) => r.mode === mode && r.n === n && counts(r));
  const check = (target: string, limit: number, items: Item[], none = "no valid luna rows") => ({
    target,
    profile,
    limit,
    items,
    none,
  });
  const one = luna.find((r) => r.n === 1);
  const checks: Check[] = [
    check(
      "T_luna(N) / T_luna(1) ≤ 1.25",
      1.25,
      one ? luna.filter((r) => r.n > 1).map((r) => ({ n: r.n, value: r.last / one.last })) : [],
      one ? "no valid luna rows with N > 1" : "no valid luna row at N = 1",
    ),
    check(
      "T_luna(N) ≤ 1.4 × S/B_node",
      1.4,
      luna.map((r) => ({ n: r.n, value: r.last / r.floorNode })),
    ),
  ];
  if (ratio === 1)
    checks.push(
      check(
        "head copies sent ≤ 1.5",
        1.5,
        luna.map((r) => ({ n: r.n, value: r.headCopies ?? 0 })),
      ),
    );
  checks.push(
    check(
      "last node ≤ 1.1 × median",
      1.1,
      luna.map((r) => ({ n: r.n, value: r.last / (r.median ?? Number.NaN) })),
    ),
    check(
      "luna no slower than stock or torrent0 (T_luna / the faster of them ≤ 1)",
      1,
      luna.flatMap((r) => {
        const others = [at("stock", r.n), at("torrent0", r.n)].filter((x) => x !== undefined);
        const best = others.sort((a, b) => a.last - b.last)[0];
        return best ? [{ n: r.n, value: r.last / best.last, note: `vs ${best.mode}` }] : [];
      }),
      "no valid luna row with a valid stock or torrent0 row at the same N",
    ),
  );
  const http = (n: number) => mine.find((r) => r.mode === "http" && r.n === n && counts(r));
  const both = luna.filter((r) => http(r.n)).map((r) => r.n);
  const ratioAt = (n: number): Item => {
    const h = http(n) as StormRow;
    const l = at("torrent", n) as StormRow;
    return {
      n,
      value: h.last / l.last,
      note: h.skipped ? "(http not run: its floor N·S/B_head)" : undefined,
    };
  };
  const largest = Math.max(...both);
  checks.push({
    ...check(
      `T_http(${HTTP_N}) / T_luna(${HTTP_N}) ≥ 20`,
      20,
      both.includes(HTTP_N) ? [ratioAt(HTTP_N)] : [],
      both.length
        ? `not measured at N = ${HTTP_N}; at N = ${largest}: ${ratioAt(largest).value.toFixed(1)}`
        : `no N with valid http and luna rows`,
    ),
    atLeast: true,
  });
  return checks;
}

function renderCheck(c: Check): string {
  const values = c.items
    .map((i) => `N=${i.n}: ${i.value.toFixed(2)}${i.note ? ` ${i.note}` : ""}`)
    .join(", ");
  const missed = c.items.filter((i) => fails(c, i) || !Number.isFinite(i.value));
  const verdict = !c.items.length
    ? (c.none ?? "nothing to check")
    : missed.length
      ? `missed at ${missed.map((i) => `N=${i.n} by ${percent(missedBy(c, i))} %`).join(", ")}`
      : "met";
  return `| ${c.target} | ${c.profile} | ${values || "—"} | ${verdict} |`;
}

/** The verdict table and the list of rows it left out. */
export function renderVerdict(rows: StormRow[]): string {
  const ratios = [...new Set(rows.map((r) => r.headRatio))];
  const out = rows.filter((r) => !counts(r));
  const left = out.length
    ? `Left out: ${out.map((r) => `N=${r.n} ${r.mode} ${r.headRatio}× (${r.ok ? `CPU ${(100 * (r.cpuBusy ?? 0)).toFixed(0)} %` : "failed"})`).join(", ")}.`
    : "Every row is valid.";
  return [
    `Verdict against issue 12's targets (luna = the torrent mode; valid rows only). ${left}`,
    "",
    "| target | head link | value per N | verdict |",
    "|---|---|---|---|",
    ...ratios.flatMap((ratio) => checksFor(rows, ratio).map(renderCheck)),
  ].join("\n");
}
