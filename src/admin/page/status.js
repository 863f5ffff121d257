// The status page's script (served by the admin listener, embedded in the binary): renders the
// snapshots the daemon pushes on /events. Every text from the cluster goes in with textContent,
// never as HTML: serial numbers and names come from the provisioning network.

const STAGES = ["none", "boot", "request", "download", "unpack", "configure", "success", "error", "other"];
const SVG = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);
let skew = 0; // daemon clock - page clock, ms
let current;

function el(tag, attrs, ...children) {
  const e = tag.startsWith("svg:")
    ? document.createElementNS(SVG, tag.slice(4))
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  for (const c of children) e.append(c);
  return e;
}

function ago(iso) {
  if (!iso) return "";
  const s = Math.max(0, Math.round((Date.now() + skew - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

function mbit(bytesPerS) {
  return (bytesPerS * 8) / 1e6;
}

function renderCounts(s) {
  const box = $("counts");
  box.replaceChildren();
  for (const stage of STAGES) {
    const n = s.stages[stage] || 0;
    if (n === 0 && stage !== "success") continue;
    box.append(
      el("span", { class: "count", "data-stage": stage, "data-count": n }, stage, el("b", {}, String(n))),
    );
  }
}

function renderGroups(s) {
  const box = $("groups");
  box.replaceChildren();
  for (const g of s.groups) {
    const grid = el("div", { class: "grid" });
    for (const n of g.nodes) {
      const tile = el(
        "div",
        { class: "tile", "data-stage": n.stage, "data-node": n.name, title: n.step || "no status yet" },
        el("div", { class: "name" }, n.name),
        el(
          "div",
          { class: "age", "data-since": n.since || "" },
          n.since ? `${n.stage} ${ago(n.since)}` : n.stage,
        ),
      );
      if (n.percent !== undefined) {
        const sent = n.sent ? ` ↑${(n.sent / 1e6).toFixed(0)} MB` : "";
        tile.append(el("div", {}, `${n.percent.toFixed(0)}%${sent}`));
        const fill = el("i");
        fill.style.width = `${Math.min(100, n.percent)}%`; // CSSOM, which the page's CSP allows
        tile.append(el("div", { class: "bar" }, fill));
      }
      tile.addEventListener("click", () => showTimeline(n.name));
      grid.append(tile);
    }
    box.append(el("h3", {}, `${g.name} (${g.nodes.length})`), grid);
  }
}

/** A line chart: points [x, y], axis labels, optional extra lines drawn dashed. */
function chart(title, points, o) {
  const W = 360;
  const H = 170;
  const L = 40;
  const B = 22;
  const xmax = Math.max(o.xmin || 1, ...points.map((p) => p[0]), ...(o.vlines || []).map((v) => v.x * 1.05));
  const ymax = Math.max(o.ymin || 1, ...points.map((p) => p[1]), ...(o.hlines || []).map((h) => h.y * 1.1));
  const X = (x) => L + (x / xmax) * (W - L - 8);
  const Y = (y) => H - B - (y / ymax) * (H - B - 8);
  const svg = el("svg:svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}` });
  svg.append(el("svg:line", { x1: L, y1: H - B, x2: W - 4, y2: H - B, stroke: "#999" }));
  svg.append(el("svg:line", { x1: L, y1: 4, x2: L, y2: H - B, stroke: "#999" }));
  svg.append(el("svg:text", { x: 2, y: 12 }, o.yLabel(ymax)));
  svg.append(el("svg:text", { x: W - 60, y: H - 6 }, o.xLabel(xmax)));
  for (const v of o.vlines || []) {
    svg.append(
      el("svg:line", {
        x1: X(v.x),
        y1: 4,
        x2: X(v.x),
        y2: H - B,
        stroke: "#d43c3c",
        "stroke-dasharray": "4 3",
      }),
    );
    // the label on the side of the line with room for it
    const left = X(v.x) > W * 0.6;
    const label = el("svg:text", { x: X(v.x) + (left ? -3 : 3), y: 16 }, v.label);
    if (left) label.setAttribute("text-anchor", "end");
    svg.append(label);
  }
  for (const h of o.hlines || []) {
    svg.append(
      el("svg:line", {
        x1: L,
        y1: Y(h.y),
        x2: W - 4,
        y2: Y(h.y),
        stroke: "#d43c3c",
        "stroke-dasharray": "4 3",
      }),
    );
    svg.append(el("svg:text", { x: L + 4, y: Y(h.y) - 3 }, h.label));
  }
  if (points.length > 0) {
    const d = points.map((p, i) => `${i ? "L" : "M"}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join("");
    svg.append(el("svg:path", { d, fill: "none", stroke: "#2f6fd6", "stroke-width": 2 }));
  }
  return el("div", { class: "chart", "data-chart": o.id }, el("div", {}, title), svg);
}

function renderStorm(s) {
  const box = $("storm");
  box.replaceChildren();
  const linkBytes = (s.head.linkMbit * 1e6) / 8;
  const st = s.storm;
  if (st) {
    const floor = linkBytes > 0 && st.size > 0 ? st.size / linkBytes : undefined;
    // a step up at each node's success
    const pts = [
      [0, 0],
      ...st.done.flatMap((t, i) => [
        [t, i],
        [t, i + 1],
      ]),
    ];
    const elapsed = (Date.now() + skew - Date.parse(st.start)) / 1000;
    if (st.done.length < st.nodes) pts.push([elapsed, st.done.length]);
    box.append(
      chart(`Nodes done: ${st.done.length} of ${st.nodes}`, pts, {
        id: "done",
        ymin: st.nodes,
        xLabel: (x) => `${x.toFixed(0)} s`,
        yLabel: (y) => `${y.toFixed(0)} nodes`,
        vlines: floor ? [{ x: floor, label: `floor S/B ${floor.toFixed(1)} s` }] : [],
      }),
    );
  }
  const samples = s.head.sent;
  const rates = [];
  for (let i = 1; i < samples.length; i++) {
    const [t0, b0] = samples[i - 1];
    const [t1, b1] = samples[i];
    if (t1 > t0) rates.push([(t1 - samples[0][0]) / 1000, mbit(((b1 - b0) * 1000) / (t1 - t0))]);
  }
  const now = rates.length ? rates[rates.length - 1][1] : 0;
  box.append(
    chart(`Head node upload: ${now.toFixed(0)} Mbit/s`, rates, {
      id: "upload",
      xLabel: (x) => `${x.toFixed(0)} s`,
      yLabel: (y) => `${y.toFixed(0)} Mbit/s`,
      hlines: s.head.linkMbit > 0 ? [{ y: s.head.linkMbit, label: `link ${s.head.linkMbit} Mbit/s` }] : [],
    }),
  );
}

function renderUnknown(s) {
  const body = $("unknown");
  body.replaceChildren();
  $("unknown-none").hidden = s.unknown.length > 0;
  for (const u of s.unknown) {
    const mac = u.macs[0] || "";
    const cmd = `luna node unknown --adopt ${mac} -n NAME`;
    const button = el("button", { type: "button", "data-copy": cmd }, "copy");
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(cmd);
        button.textContent = "copied";
      } catch {
        button.textContent = "select the command";
      }
    });
    body.append(
      el(
        "tr",
        { "data-mac": mac },
        el("td", {}, u.macs.join(" ")),
        el("td", {}, u.serial || "-"),
        el("td", {}, u.ip),
        el("td", {}, String(u.count)),
        el("td", {}, `${ago(u.last)} ago`),
        el("td", {}, el("code", {}, cmd), " ", button),
      ),
    );
  }
}

async function showTimeline(name) {
  const box = $("timeline");
  box.hidden = false;
  box.replaceChildren(el("b", {}, name), " …");
  const r = await fetch(`node?name=${encodeURIComponent(name)}`);
  if (!r.ok) return box.replaceChildren(el("b", {}, name), ` ${r.status}`);
  const n = await r.json();
  const rows = n.stages.map((e, i) => {
    const next = n.stages[i + 1];
    const secs = ((next ? Date.parse(next.time) : Date.now() + skew) - Date.parse(e.time)) / 1000;
    return el(
      "tr",
      { "data-step": e.step },
      el("td", {}, e.step),
      el("td", {}, e.time.slice(11, 19)),
      el("td", {}, next ? `${secs.toFixed(1)} s` : `${ago(e.time)} so far`),
    );
  });
  box.replaceChildren(el("b", {}, `${name}: latest boot`), el("table", { id: "timeline-table" }, ...rows));
}

function render(s) {
  current = s;
  skew = Date.parse(s.at) - Date.now();
  $("total").textContent = `${s.groups.reduce((n, g) => n + g.nodes.length, 0)} nodes`;
  renderCounts(s);
  renderGroups(s);
  renderStorm(s);
  renderUnknown(s);
  document.body.dataset.updated = s.at;
}

// Times in stage move every second without a new snapshot.
setInterval(() => {
  for (const a of document.querySelectorAll(".age[data-since]")) {
    if (a.dataset.since) a.textContent = `${a.parentElement.dataset.stage} ${ago(a.dataset.since)}`;
  }
}, 1000);

const events = new EventSource("events");
events.onmessage = (m) => {
  $("live").textContent = "live";
  $("live").className = "";
  render(JSON.parse(m.data));
};
events.onerror = () => {
  $("live").textContent = "reconnecting…";
  $("live").className = "down";
};
window.lunaSnapshot = () => current;
