/**
 * What the status page shows, made from what the daemon knows (pure: the caller reads the
 * store and the live counters): nodes per group with their stage and time in it, download
 * progress from the nodes' own tracker announces, unknown hardware, and the latest boot storm
 * (the nodes whose latest run started within an hour of the newest, and when each finished).
 */
import type { Group, Node, OsImage, Peer, UnknownNode } from "../domain/model.ts";
import { nodeAddresses } from "../domain/node.ts";
import { STAGE_FAMILIES, type StageFamily, stageFamily } from "../domain/stages.ts";
import { downloadProgress, latestRun } from "../domain/status.ts";

export interface NodeTile {
  name: string;
  stage: StageFamily;
  step: string;
  /** when the node entered its stage (ISO), absent with no status */
  since?: string;
  /** download progress and bytes the node sent to its peers, from its announces */
  percent?: number;
  sent?: number;
}

export interface PageSnapshot {
  at: string;
  stages: Record<StageFamily, number>;
  groups: { name: string; nodes: NodeTile[] }[];
  unknown: Pick<UnknownNode, "macs" | "serial" | "ip" | "first" | "last" | "count">[];
  /** the latest storm: its start, the image size its nodes install, seconds to each success */
  storm?: { start: string; nodes: number; size: number; done: number[] };
  /**
   * bytes the head node sent (its seeder and HTTP /torrents) as [ms since the epoch, bytes so
   * far], one sample a second for the last minutes; its link in Mbit/s (0: unknown)
   */
  head: { sent: [number, number][]; linkMbit: number };
}

export interface SnapshotInput {
  now: Date;
  nodes: Node[];
  groups: Group[];
  unknown: UnknownNode[];
  peers: Peer[];
  images: OsImage[];
  head: PageSnapshot["head"];
}

const STORM_WINDOW_MS = 3600_000;

function tile(n: Node, peers: Peer[]): NodeTile {
  const run = latestRun(n);
  const stage = stageFamily(n.status?.step);
  let i = run.length - 1;
  while (i > 0 && stageFamily(run[i - 1]?.step) === stage) i--;
  const since = run[i]?.time ?? n.status?.time;
  const t: NodeTile = { name: n.name, stage, step: n.status?.step ?? "", ...(since ? { since } : {}) };
  if (stage === "download" || stage === "unpack" || stage === "configure") {
    const d = downloadProgress(nodeAddresses(n), peers);
    if (d) Object.assign(t, { percent: Math.round(d.percent * 10) / 10, sent: d.uploaded });
  }
  return t;
}

function storm(nodes: Node[], images: OsImage[]): PageSnapshot["storm"] {
  const runs = nodes
    .map((n) => ({ n, run: latestRun(n) }))
    .filter((r) => r.run.length > 0)
    .map((r) => ({ ...r, start: Date.parse((r.run[0] as { time: string }).time) }));
  if (runs.length === 0) return undefined;
  const newest = Math.max(...runs.map((r) => r.start));
  const members = runs.filter((r) => r.start >= newest - STORM_WINDOW_MS);
  const start = Math.min(...members.map((r) => r.start));
  const sizes = new Map(images.flatMap((img) => img.versions.map((v) => [`${img.id}:${v.version}`, v.size])));
  const size = Math.max(0, ...members.map((r) => sizes.get(r.n.imageversion ?? "") ?? 0));
  const done = members
    .filter((r) => stageFamily(r.n.status?.step) === "success")
    .map((r) => (Date.parse(r.n.status?.time ?? "") - start) / 1000)
    .sort((a, b) => a - b);
  return { start: new Date(start).toISOString(), nodes: members.length, size, done };
}

export function pageSnapshot(i: SnapshotInput): PageSnapshot {
  const stages = Object.fromEntries(STAGE_FAMILIES.map((s) => [s, 0])) as Record<StageFamily, number>;
  const groupName = new Map(i.groups.map((g) => [g.id, g.name]));
  const byGroup = new Map<string, NodeTile[]>();
  for (const n of i.nodes) {
    const t = tile(n, i.peers);
    stages[t.stage]++;
    const g = groupName.get(n.group) ?? "(no group)";
    byGroup.set(g, [...(byGroup.get(g) ?? []), t]);
  }
  const s = storm(i.nodes, i.images);
  return {
    at: i.now.toISOString(),
    stages,
    groups: [...byGroup].sort(([a], [b]) => a.localeCompare(b)).map(([name, nodes]) => ({ name, nodes })),
    unknown: i.unknown.map(({ macs, serial, ip, first, last, count }) => ({
      macs,
      serial,
      ip,
      first,
      last,
      count,
    })),
    ...(s ? { storm: s } : {}),
    head: i.head,
  };
}
