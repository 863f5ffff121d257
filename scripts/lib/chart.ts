/**
 * A small SVG line chart for the boot-storm results: time to the last node against N, one line
 * per mode, plus the floor S/B_node, both axes logarithmic (N from 1 to 64 and times from the
 * floor to plain HTTP's N·S/B_head would squash a linear chart). Written by hand so the docs
 * need no charting tool. Hollow points are INVALID rows (the machine was the bottleneck).
 */
import { writeFileSync } from "node:fs";

export interface Point {
  n: number;
  mode: string;
  last: number;
  valid: boolean;
}

const COLORS: Record<string, string> = {
  http: "#d62728",
  stock: "#9467bd",
  torrent0: "#ff7f0e",
  torrent: "#2ca02c",
  "floor S/B_node": "#7f7f7f",
};

export function writeChart(file: string, rows: Point[], o: { floorNode: number; title: string }): void {
  const pts = rows.filter((r) => Number.isFinite(r.last) && r.last > 0);
  const ns = [...new Set(pts.map((r) => r.n))].sort((a, b) => a - b);
  const series = new Map<string, Point[]>();
  for (const r of pts) series.set(r.mode, [...(series.get(r.mode) ?? []), r]);
  series.set(
    "floor S/B_node",
    ns.map((n) => ({ n, mode: "floor", last: o.floorNode, valid: true })),
  );
  const W = 640;
  const H = 400;
  const pad = 60;
  const maxN = Math.max(...ns, 2);
  const times = [...series.values()].flat().map((p) => p.last);
  const [lo, hi] = [Math.min(...times, o.floorNode) / 1.5, Math.max(...times, 1) * 1.5];
  const x = (n: number) => pad + ((W - 2 * pad) * Math.log(n)) / Math.log(maxN);
  const y = (t: number) => H - pad - ((H - 2 * pad) * Math.log(t / lo)) / Math.log(hi / lo);
  const color = (name: string) => COLORS[name] ?? "#000";
  const lines = [...series.entries()].flatMap(([name, ps]) => {
    const d = ps.map((p, i) => `${i ? "L" : "M"}${x(p.n).toFixed(1)},${y(p.last).toFixed(1)}`).join(" ");
    const dash = name.startsWith("floor") ? ' stroke-dasharray="6 4"' : "";
    const dots = name.startsWith("floor")
      ? []
      : ps.map(
          (p) =>
            `<circle cx="${x(p.n).toFixed(1)}" cy="${y(p.last).toFixed(1)}" r="3.5" stroke="${color(name)}" fill="${p.valid ? color(name) : "white"}"/>`,
        );
    return [`<path d="${d}" fill="none" stroke="${color(name)}" stroke-width="2"${dash}/>`, ...dots];
  });
  const legend = [...series.keys()].map(
    (name, i) =>
      `<text x="${pad + 10}" y="${pad + 16 * i}" fill="${color(name)}" font-size="12">${name}</text>`,
  );
  const xTicks = ns.map(
    (n) => `<text x="${x(n).toFixed(1)}" y="${H - pad + 16}" font-size="11" text-anchor="middle">${n}</text>`,
  );
  const yTicks = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]
    .filter((t) => t >= lo && t <= hi)
    .map(
      (t) => `<text x="${pad - 6}" y="${(y(t) + 4).toFixed(1)}" font-size="11" text-anchor="end">${t}</text>`,
    );
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="black"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${H - pad}" stroke="black"/>
<text x="${W / 2}" y="20" text-anchor="middle" font-size="12">${o.title}</text>
<text x="${W / 2}" y="${H - 20}" text-anchor="middle" font-size="12">nodes booting at once (N, log scale); hollow points: INVALID (CPU busy &gt; 60 %)</text>
<text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle" font-size="12">seconds to the last install.success (log scale)</text>
${xTicks.join("\n")}
${yTicks.join("\n")}
${lines.join("\n")}
${legend.join("\n")}
</svg>
`;
  writeFileSync(file, svg);
}
