/**
 * The boot-storm benchmark's rows and how they print: one row per (link profile, N, mode) made
 * from a cluster-sim result (or from the HTTP floor when plain HTTP is skipped at large N), the
 * Markdown table, the N = 1 floor checks and the run's header. Pure: no processes, no files.
 */
import type { SimResult } from "./cluster-sim.ts";
import type { NodeBytes } from "./sim-account.ts";

export const MODES = ["http", "stock", "torrent0", "torrent"] as const;
export type Mode = (typeof MODES)[number];

/** A row takes part in the verdict only when the machine was not the bottleneck. */
export const CPU_LIMIT = 0.6;
/** N = 1 must land within this factor of S/B_node, or the rig (not the swarm) is being measured. */
export const N1_LIMIT = 1.15;

export interface Profile {
  /** head link = headRatio × node link */
  headRatio: number;
  nodeMbit: number;
  headMbit: number;
}

/** Bytes summed over all nodes, in copies of the image. */
export interface Copies {
  web: number;
  seeder: number;
  peers: number;
  sent: number;
}

export interface StormRow extends Profile {
  n: number;
  mode: Mode;
  imageBytes: number;
  pieceLength: number | null;
  /** S/B_node and N·S/B_head, seconds */
  floorNode: number;
  floorHead: number;
  /** plain HTTP not run (N above --skip-http-above): `last` is its floor N·S/B_head */
  skipped: boolean;
  last: number;
  median: number | null;
  first: number | null;
  headCopies: number | null;
  copies: Copies | null;
  cpuBusy: number | null;
  /** CPU busy ≤ CPU_LIMIT (skipped rows: their floor is exact) */
  valid: boolean;
  ok: boolean;
  wallSeconds: number | null;
  nodes: {
    name: string;
    ok: boolean;
    seconds: number | null;
    downloadSeconds: number | null;
    bytes: NodeBytes;
  }[];
  peerUploaded: Record<string, number>;
}

/** What runClusterSim returns that a row needs (a type only: this file stays pure). */
export type SimLike = Omit<SimResult, "seederFrozenAt" | "timeline">;

const floors = (p: Profile, n: number, imageBytes: number) => ({
  floorNode: (imageBytes * 8) / (p.nodeMbit * 1e6),
  floorHead: (n * imageBytes * 8) / (p.headMbit * 1e6),
});

export function measuredRow(r: SimLike, p: Profile & { n: number; mode: Mode }): StormRow {
  const times = r.nodes.map((x) => x.seconds ?? Number.NaN).sort((a, b) => a - b);
  const sum = (k: keyof NodeBytes) => r.nodes.reduce((a, x) => a + x.bytes[k], 0) / r.imageBytes;
  return {
    ...p,
    imageBytes: r.imageBytes,
    pieceLength: r.pieceLength,
    ...floors(p, p.n, r.imageBytes),
    skipped: false,
    last: times.at(-1) ?? Number.NaN,
    median:
      ((times[Math.floor((times.length - 1) / 2)] ?? Number.NaN) +
        (times[Math.floor(times.length / 2)] ?? Number.NaN)) /
      2,
    first: times[0] ?? Number.NaN,
    headCopies: r.headTxBytes / r.imageBytes,
    copies: { web: sum("fromWeb"), seeder: sum("fromSeeder"), peers: sum("fromPeers"), sent: sum("sent") },
    cpuBusy: r.cpuBusy,
    valid: r.cpuBusy <= CPU_LIMIT,
    ok: r.nodes.every((x) => x.ok && x.treeHash !== "") && new Set(r.nodes.map((x) => x.treeHash)).size === 1,
    wallSeconds: r.wallSeconds,
    nodes: r.nodes.map((x) => ({
      name: x.name,
      ok: x.ok,
      seconds: x.seconds ?? null,
      downloadSeconds: x.downloadSeconds ?? null,
      bytes: x.bytes,
    })),
    peerUploaded: r.peerUploaded,
  };
}

/** Plain HTTP at large N is not run: it would take its floor N·S/B_head, which is exact enough. */
export function skippedRow(p: Profile & { n: number }, imageBytes: number): StormRow {
  const f = floors(p, p.n, imageBytes);
  return {
    ...p,
    mode: "http",
    imageBytes,
    pieceLength: null,
    ...f,
    skipped: true,
    last: f.floorHead,
    median: null,
    first: null,
    headCopies: null,
    copies: null,
    cpuBusy: null,
    valid: true,
    ok: true,
    wallSeconds: null,
    nodes: [],
    peerUploaded: {},
  };
}

/** Rows that count for the verdict. */
export const counts = (r: StormRow) => r.valid && r.ok;

export const profileLabel = (p: Profile) => `${p.headRatio}× (${p.headMbit} Mbit/s)`;
const f1 = (x: number | null | undefined) => (x == null || !Number.isFinite(x) ? "—" : x.toFixed(1));
const f2 = (x: number | null | undefined) => (x == null || !Number.isFinite(x) ? "—" : x.toFixed(2));

/** The N = 1 row of the same mode and profile, when it ran. */
export const baseRow = (rows: StormRow[], r: StormRow) =>
  rows.find((x) => x.n === 1 && x.mode === r.mode && x.headRatio === r.headRatio && !x.skipped);

export function progressLine(r: StormRow): string {
  if (r.skipped) return `skipped, floor N·S/B_head ${f1(r.last)} s`;
  const c = r.copies as Copies;
  return `last ${f1(r.last)} s, median ${f1(r.median)} s, ${f2(r.last / r.floorNode)} × S/B_node, head ${f2(r.headCopies)} copies (web ${f2(c.web)}, seeder ${f2(c.seeder)}, peers ${f2(c.peers)}), CPU ${(100 * (r.cpuBusy ?? 0)).toFixed(0)}%${r.valid ? "" : " INVALID"}${r.ok ? "" : " FAILED"}`;
}

export function renderTable(rows: StormRow[]): string {
  const line = (r: StormRow) => {
    const base = baseRow(rows, r);
    const cells = r.skipped
      ? [f1(r.last), "—", "—", "—", f2(r.last / r.floorNode), f2(base && r.last / base.last)]
      : [
          f1(r.last),
          f1(r.median),
          f1(r.first),
          f2(r.last / (r.median ?? Number.NaN)),
          f2(r.last / r.floorNode),
          f2(base && r.last / base.last),
        ];
    const c = r.copies;
    const cpu = r.cpuBusy === null ? "—" : `${(100 * r.cpuBusy).toFixed(0)}%`;
    const valid = r.skipped ? "skipped, floor N·S/B_head" : r.valid ? "yes" : "INVALID";
    const ok = r.skipped ? "—" : r.ok ? "yes" : "NO";
    return `| ${r.n} | ${r.mode} | ${profileLabel(r)} | ${cells.join(" | ")} | ${f2(r.headCopies)} | ${f2(c?.web)} | ${f2(c?.seeder)} | ${f2(c?.peers)} | ${cpu} | ${valid} | ${ok} |`;
  };
  return [
    "| N | mode | head link | last node s | median s | first node s | last/median | T / (S/B_node) | T(N)/T(1) | head copies sent | from web (copies) | from seeder | from peers | CPU busy | valid | ok |",
    "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ...rows.map(line),
  ].join("\n");
}

/** Per mode and profile: did N = 1 land within N1_LIMIT × S/B_node? */
export function n1Checks(rows: StormRow[]): string[] {
  const ones = rows.filter((r) => r.n === 1 && !r.skipped);
  if (!ones.length) return ["N=1 check: not run (N = 1 is not in --nodes)"];
  return ones.map((r) => {
    const x = r.last / r.floorNode;
    const verdict = x <= N1_LIMIT ? "ok" : "FAILED";
    return `N=1 check (${r.mode}, head ${profileLabel(r)}): ${verdict} (${f2(x)} × floor, limit ${N1_LIMIT})${r.valid ? "" : ", row INVALID"}`;
  });
}

export interface RunInfo {
  machine: string;
  sizeMB: number;
  imageBytes: number;
  nodeMbit: number;
  profiles: Profile[];
  pieceLengths: number[];
  pieceKB: number | undefined;
  nodeEnv: Record<string, string> | undefined;
  modes: Mode[];
  smoke: boolean;
  /** the daemon's HTTP left the head unshaped in the swarm modes (cluster-sim --unshaped-control) */
  unshapedControl?: boolean;
}

const MODE_TEXT: Record<Mode, string> = {
  http: "http = curl of the tarball from the head node",
  stock:
    "stock = aria2c with its defaults on the nodes and as the head node's seeder, on the torrent without a web seed, our tracker (what a site sets up by hand)",
  torrent0: "torrent0 = luna's install script, seeding tail 0",
  torrent: "torrent = luna (aria2c seeds until the swarm is done, at most 60 s)",
};

export function renderHeader(i: RunInfo): string {
  const pieces = i.pieceLengths.map((b) => `${b / 1024} KiB`).join(", ") || "—";
  const links = i.profiles.map(profileLabel).join(" and ");
  return [
    `Machine: ${i.machine}; image ${i.sizeMB} MiB of random data (${i.imageBytes.toLocaleString("en")} bytes as an uncompressed tar);`,
    `node links ${i.nodeMbit} Mbit/s, head link ${links} (tc tbf both ways); piece size ${pieces}`,
    `(${i.pieceKB ? `--piece-kb ${i.pieceKB}` : "the packer's rule"})${i.nodeEnv ? `; node env ${JSON.stringify(i.nodeEnv)}` : ""};`,
    `${i.smoke ? "SMOKE RUN, no shaping: the ratios to the floors mean nothing" : "full run"}.`,
    ...(i.unshapedControl
      ? [
          "In the swarm modes the daemon's own HTTP (boot menu, install script, torrent, reports: a fixed size a node)",
          "left the head unshaped (--unshaped-control), as it would on a link at full scale; the image kept its shaper.",
        ]
      : []),
    `Modes: ${i.modes.map((m) => MODE_TEXT[m]).join("; ")}.`,
    "T is the last node's time from install.request to install.success; S/B_node is the floor",
    "(every node receives the image at its own link rate). Copies are IP bytes counted where they",
    "arrive (headers included, about 3 %) divided by the image size, summed over the nodes.",
    `A row with CPU busy over ${100 * CPU_LIMIT} % (both cores, /proc/stat) is INVALID and takes no part in the verdict.`,
  ].join(" ");
}
