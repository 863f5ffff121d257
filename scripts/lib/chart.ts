/**
 * A small SVG line chart for the boot-storm results (time to the last node against N, one
 * line per mode, plus the two floors), written by hand so the docs need no charting tool.
 */
import { writeFileSync } from "node:fs";

interface Point {
  n: number;
  mode: string;
  last: number;
}

const COLORS: Record<string, string> = {
  http: "#d62728",
  torrent0: "#ff7f0e",
  torrent: "#2ca02c",
  "floor S/B_node": "#7f7f7f",
  "floor N·S/B_head": "#1f77b4",
};

export function writeChart(
  file: string,
  rows: Point[],
  floors: { floorNode: number; perNodeHead: number },
): void {
  const ns = [...new Set(rows.map((r) => r.n))].sort((a, b) => a - b);
  const series = new Map<string, [number, number][]>();
  for (const r of rows) series.set(r.mode, [...(series.get(r.mode) ?? []), [r.n, r.last]]);
  series.set(
    "floor S/B_node",
    ns.map((n) => [n, floors.floorNode]),
  );
  series.set(
    "floor N·S/B_head",
    ns.map((n) => [n, n * floors.perNodeHead]),
  );
  const W = 640;
  const H = 400;
  const pad = 50;
  const maxN = Math.max(...ns, 1);
  const maxT = Math.max(...[...series.values()].flat().map(([, t]) => (Number.isFinite(t) ? t : 0)), 1);
  const x = (n: number) => pad + ((W - 2 * pad) * n) / maxN;
  const y = (t: number) => H - pad - ((H - 2 * pad) * t) / maxT;
  const lines = [...series.entries()].map(([name, pts]) => {
    const d = pts
      .filter(([, t]) => Number.isFinite(t))
      .map(([n, t], i) => `${i ? "L" : "M"}${x(n).toFixed(1)},${y(t).toFixed(1)}`)
      .join(" ");
    const dash = name.startsWith("floor") ? ' stroke-dasharray="6 4"' : "";
    return `<path d="${d}" fill="none" stroke="${COLORS[name] ?? "#000"}" stroke-width="2"${dash}/>`;
  });
  const legend = [...series.keys()].map(
    (name, i) =>
      `<text x="${pad + 10}" y="${pad + 16 * i}" fill="${COLORS[name] ?? "#000"}" font-size="12">${name}</text>`,
  );
  const ticks = ns.map(
    (n) => `<text x="${x(n)}" y="${H - pad + 16}" font-size="11" text-anchor="middle">${n}</text>`,
  );
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="black"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${H - pad}" stroke="black"/>
<text x="${W / 2}" y="${H - 10}" text-anchor="middle" font-size="12">nodes booting at once (N)</text>
<text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle" font-size="12">seconds to the last install.success</text>
<text x="${pad - 6}" y="${y(maxT) + 4}" font-size="11" text-anchor="end">${maxT.toFixed(0)}</text><text x="${pad - 6}" y="${H - pad + 4}" font-size="11" text-anchor="end">0</text>
${ticks.join("\n")}
${lines.join("\n")}
${legend.join("\n")}
</svg>
`;
  writeFileSync(file, svg);
}
