/**
 * `GET /metrics` in Prometheus' text format, with prom-client. Two kinds of metric: those the
 * daemon's events feed as they happen (request latencies, stage durations, install results,
 * batch sizes, store writes: cheap observations on the request path) and those read from the
 * daemon when Prometheus scrapes (nodes per stage, swarms, bytes sent, counters the routes
 * keep anyway). Labels come from fixed lists or from packed image versions: never one per node.
 * docs/metrics.md lists every metric.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { CREDENTIAL_ERRORS } from "../domain/boot/credential.ts";
import type { Node } from "../domain/model.ts";
import {
  FAILURE_REASONS,
  failureReason,
  STAGE_FAMILIES,
  stageEnded,
  stageFamily,
  TIMED_STAGES,
} from "../domain/stages.ts";
import { type DaemonView, swarmsOf, versionsOf } from "./view.ts";

const STAGE_BUCKETS = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600];
const REQUEST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const REFUSALS = [...Object.keys(CREDENTIAL_ERRORS), "boot-address"];
/** prom-client's gauges named like counters, which promtool rejects; the same figures come without _total */
const MISNAMED = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

export function createMetrics(view: DaemonView) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED) registry.removeSingleMetric(name);
  const registers = [registry];
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers });
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name, help, labelNames, registers });
  const histogram = (name: string, help: string, buckets: number[], labelNames: string[] = []) =>
    new Histogram({ name, help, buckets, labelNames, registers });

  // fed by events
  const requests = histogram(
    "luna_http_request_duration_seconds",
    "Node-facing HTTP requests by route and status: time to the response (its _count counts requests)",
    REQUEST_BUCKETS,
    ["route", "status"],
  );
  const stageSeconds = histogram(
    "luna_node_stage_duration_seconds",
    "Time nodes spent in a stage of their boot, observed when they leave it",
    STAGE_BUCKETS,
    ["stage"],
  );
  const installSeconds = histogram(
    "luna_node_install_duration_seconds",
    "Time from a node's boot request (or install request) to its install.success",
    STAGE_BUCKETS,
  );
  const successes = counter("luna_install_successes_total", "Installs that reported install.success");
  const failures = counter("luna_install_failures_total", "Installs that reported install.error.<stage>", [
    "reason",
  ]);
  const batches = histogram(
    "luna_status_batch_size",
    "Node updates committed together in one status batch",
    [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
  );
  const writes = histogram(
    "luna_store_write_duration_seconds",
    "Store write transactions of the daemon, from the call to the commit (queue wait included)",
    REQUEST_BUCKETS,
  );
  for (const r of FAILURE_REASONS) failures.inc({ reason: r }, 0);
  successes.inc(0);

  // read at scrape time
  const nodes = gauge("luna_nodes", "Nodes by the stage they reported last", ["stage"]);
  const unknown = gauge("luna_unknown_hardware", "Unknown hardware entries kept for adoption");
  const unknownSeen = counter("luna_unknown_hardware_requests_total", "Boot requests from unknown hardware");
  const reports = counter("luna_status_reports_total", "Status reports accepted from nodes");
  const refusals = counter("luna_credential_refusals_total", "Node requests refused, by reason", ["reason"]);
  const announces = counter("luna_tracker_announces_total", "Tracker announces by result", ["result"]);
  const scrapes = counter("luna_tracker_scrapes_total", "Tracker scrapes");
  const seeders = gauge("luna_swarm_seeders", "Peers with the whole image, per image version", [
    "image",
    "version",
  ]);
  const leechers = gauge("luna_swarm_leechers", "Peers still downloading, per image version", [
    "image",
    "version",
  ]);
  const completion = gauge(
    "luna_swarm_completion_ratio",
    "Share of the image the swarm's peers hold (0-1), per image version",
    ["image", "version"],
  );
  const seederBytes = counter(
    "luna_seeder_sent_bytes_total",
    "Bytes the head node's seeder sent to peers, per image version",
    ["image", "version"],
  );
  const seederPeers = gauge("luna_seeder_connections", "Peers connected to the head node's seeder");
  const webseedBytes = counter(
    "luna_webseed_sent_bytes_total",
    "Image bytes sent over HTTP /torrents (the web seed and plain-HTTP installs), per image version",
    ["image", "version"],
  );
  const fileBytes = counter("luna_http_sent_bytes_total", "File bytes sent over HTTP, by folder", ["folder"]);

  /** A counter kept elsewhere (a route's, the tracker's), copied in at scrape time. */
  const setCounter = (c: Counter, value: number, labels: Record<string, string> = {}) => {
    if (Object.keys(labels).length === 0) c.reset();
    else c.remove(labels);
    c.inc(labels, value);
  };

  async function refresh(): Promise<void> {
    const [all, images, unknowns, peers] = await Promise.all([
      view.store.list("node"),
      view.store.list("osimage"),
      view.store.list("unknown"),
      view.peers(),
    ]);
    const perStage = new Map<string, number>(STAGE_FAMILIES.map((s) => [s, 0]));
    for (const n of all) {
      const f = stageFamily(n.status?.step);
      perStage.set(f, (perStage.get(f) ?? 0) + 1);
    }
    for (const [stage, count] of perStage) nodes.set({ stage }, count);
    unknown.set(unknowns.length);
    const c = view.counters();
    setCounter(unknownSeen, c.unknownNodes);
    setCounter(reports, c.statusReports);
    for (const reason of REFUSALS) setCounter(refusals, c.refusedBy?.[reason] ?? 0, { reason });
    const t = view.tracker();
    const results = {
      ok: t.announces,
      refused: t.refused,
      unknown_torrent: t.unknown,
      malformed: t.malformed,
    };
    for (const [result, n] of Object.entries(results)) setCounter(announces, n, { result });
    setCounter(scrapes, t.scrapes);
    const versions = versionsOf(images);
    for (const g of [seeders, leechers, completion, seederBytes, webseedBytes]) g.reset();
    for (const s of swarmsOf(peers, versions)) {
      const labels = { image: s.ref.image, version: s.ref.version };
      seeders.set(labels, s.seeders);
      leechers.set(labels, s.leechers);
      completion.set(labels, s.completion);
    }
    const seeder = view.seeder();
    seederPeers.set(seeder?.peers ?? 0);
    for (const [hash, bytes] of Object.entries(seeder?.byInfohash ?? {})) {
      const ref = versions.get(hash);
      if (ref) seederBytes.inc({ image: ref.image, version: ref.version }, bytes);
    }
    const files = view.files();
    const byTarball = new Map([...versions.values()].map((v) => [v.tarball, v]));
    for (const [name, bytes] of files.byName) {
      const ref = byTarball.get(name);
      if (ref) webseedBytes.inc({ image: ref.image, version: ref.version }, bytes);
    }
    setCounter(fileBytes, files.boot, { folder: "boot" });
    setCounter(fileBytes, files.torrents, { folder: "torrents" });
    setCounter(fileBytes, files.ipxe, { folder: "ipxe" });
  }

  // One child per route and status, kept: labels() validates and hashes its arguments.
  const children = new Map<string, Map<number, ReturnType<typeof requests.labels>>>();
  const stageChild = new Map(TIMED_STAGES.map((stage) => [stage, stageSeconds.labels({ stage })]));
  return {
    registry,
    contentType: registry.contentType,
    request(route: string, status: number, seconds: number): void {
      let byStatus = children.get(route);
      if (!byStatus) {
        byStatus = new Map();
        children.set(route, byStatus);
      }
      let child = byStatus.get(status);
      if (!child) {
        child = requests.labels({ route, status: String(status) });
        byStatus.set(status, child);
      }
      child.observe(seconds);
    },
    /** A node's report of a stage was committed. */
    stage(node: Node): void {
      const step = node.status?.step ?? "";
      const ended = stageEnded(node.history);
      if (ended.left) stageChild.get(ended.left.stage)?.observe(ended.left.seconds);
      if (ended.install !== undefined) installSeconds.observe(ended.install);
      if (step === "install.success") successes.inc();
      const reason = failureReason(step);
      if (reason) failures.inc({ reason });
    },
    batch: (size: number) => batches.observe(size),
    write: (seconds: number) => writes.observe(seconds),
    async text(): Promise<string> {
      await refresh();
      return registry.metrics();
    },
  };
}
