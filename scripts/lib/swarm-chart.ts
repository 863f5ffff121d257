/**
 * The calibrated swarm model against the emulated cluster as a small SVG: time to the last node
 * against N, measured (points joined by a solid line) and modelled (dashed), one colour per
 * head-link ratio, plus the floor S/B_node; both axes logarithmic, as in chart.ts. Pure: it
 * returns the SVG text.
 */

export interface Series {
  label: string;
  color: string;
  dashed: boolean;
  points: { n: number; t: number }[];
}

export function renderSwarmChart(series: readonly Series[], o: { floor: number; title: string }): string {
  const W = 640;
  const H = 400;
  const pad = 60;
  const pts = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.t) && p.t > 0);
  const ns = [...new Set(pts.map((p) => p.n))].sort((a, b) => a - b);
  const minN = Math.min(...ns, 1);
  const maxN = Math.max(...ns, 2);
  const times = pts.map((p) => p.t);
  const lo = Math.min(...times, o.floor) / 1.3;
  const hi = Math.max(...times, o.floor) * 1.3;
  const x = (n: number) => pad + ((W - 2 * pad) * Math.log(n / minN)) / Math.log(maxN / minN);
  const y = (t: number) => H - pad - ((H - 2 * pad) * Math.log(t / lo)) / Math.log(hi / lo);
  const xy = (n: number, t: number) => `${x(n).toFixed(1)},${y(t).toFixed(1)}`;
  const all: Series[] = [
    ...series,
    {
      label: "floor S/B_node",
      color: "#7f7f7f",
      dashed: true,
      points: [
        { n: minN, t: o.floor },
        { n: maxN, t: o.floor },
      ],
    },
  ];
  const lines = all.flatMap((s) => {
    const ps = s.points.filter((p) => Number.isFinite(p.t) && p.t > 0);
    const d = ps.map((p, i) => `${i ? "L" : "M"}${xy(p.n, p.t)}`).join(" ");
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : "";
    const dots = s.label.startsWith("floor")
      ? []
      : ps.map(
          (p) =>
            `<circle cx="${x(p.n).toFixed(1)}" cy="${y(p.t).toFixed(1)}" r="3.5" stroke="${s.color}" fill="${s.dashed ? "white" : s.color}"/>`,
        );
    return [`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`, ...dots];
  });
  const legend = all.map(
    (s, i) => `<text x="${pad + 10}" y="${pad + 16 * i}" fill="${s.color}" font-size="12">${s.label}</text>`,
  );
  const xTicks = ns.map(
    (n) => `<text x="${x(n).toFixed(1)}" y="${H - pad + 16}" font-size="11" text-anchor="middle">${n}</text>`,
  );
  const yTicks = [5, 10, 15, 20, 30, 50, 100, 200]
    .filter((t) => t >= lo && t <= hi)
    .map(
      (t) => `<text x="${pad - 6}" y="${(y(t) + 4).toFixed(1)}" font-size="11" text-anchor="end">${t}</text>`,
    );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="black"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${H - pad}" stroke="black"/>
<text x="${W / 2}" y="20" text-anchor="middle" font-size="12">${o.title}</text>
<text x="${W / 2}" y="${H - 20}" text-anchor="middle" font-size="12">nodes booting at once (N, log scale); solid: measured, dashed: model</text>
<text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle" font-size="12">seconds to the last install.success (log scale)</text>
${xTicks.join("\n")}
${yTicks.join("\n")}
${lines.join("\n")}
${legend.join("\n")}
</svg>
`;
}
