/**
 * Output for people: the original luna's ASCII tables (so muscle memory and scripts that
 * scraped them keep working), `show` as Parameter/Value rows, and status ages.
 */

export function table(headers: string[], rows: string[][]): string {
  const expanded: string[][] = [];
  for (const row of rows) {
    const cells = row.map((c) => c.split("\n"));
    const height = Math.max(1, ...cells.map((c) => c.length));
    for (let i = 0; i < height; i++) expanded.push(cells.map((c) => c[i] ?? ""));
  }
  const widths = headers.map((h, i) => Math.max(h.length, ...expanded.map((r) => (r[i] ?? "").length)) + 4);
  const sep = `+${widths.map((w) => "-".repeat(w + 1)).join("+")}+`;
  const line = (cells: string[]) => `${cells.map((c, i) => `| ${c.padEnd(widths[i] as number)}`).join("")}|`;
  return [sep, line(headers), sep, ...expanded.map(line), sep].join("\n");
}

/** `show` output: name first, then the other fields sorted, comment last. */
export function showTable(fields: Record<string, string>): string {
  const keys = Object.keys(fields)
    .filter((k) => k !== "name" && k !== "comment")
    .sort();
  const order = ["name", ...keys, "comment"].filter((k) => k in fields);
  return table(
    ["Parameter", "Value"],
    order.map((k) => [k, fields[k] ?? ""]),
  );
}

export const yesNo = (b: boolean): string => (b ? "yes" : "no");
export const ref = (name: string | null): string => (name ? `[${name}]` : "-");

/** Age as H:MM:SS, or Dd H:MM:SS past a day (the original dropped whole days). */
export function age(since: string, now: Date): string {
  return duration((now.getTime() - Date.parse(since)) / 1000);
}

/** A span of seconds as H:MM:SS, or Dd H:MM:SS past a day. */
export function duration(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = String(Math.floor((total % 3600) / 60)).padStart(2, "0");
  const s = String(total % 60).padStart(2, "0");
  return `${d > 0 ? `${d}d ` : ""}${h}:${m}:${s}`;
}
