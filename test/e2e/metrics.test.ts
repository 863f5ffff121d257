/**
 * `GET /metrics` on the admin listener (issue 16 item 1): a compiled daemon driven through the
 * node-facing routes as booting nodes drive it, then scraped. The text passes `promtool check
 * metrics` and shows what happened: nodes per stage, stage durations, install results, the
 * swarm, bytes served, requests by route and status, credential refusals. Nothing of it is on
 * the node-facing port.
 */
import { expect, test } from "bun:test";
import { announcePath, bootCluster, expectStatus, MAC } from "../helpers/boot-cluster.ts";
import { startDaemon } from "../helpers/daemon-proc.ts";
import { sandbox } from "../helpers/luna.ts";

/** The value of one sample line, e.g. `luna_nodes{stage="success"}`. */
const sample = (text: string, series: string): number | undefined => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

test("/metrics shows a boot as it happened and passes promtool check metrics", async () => {
  await using box = await sandbox();
  const { conf, infohash, tarball } = await bootCluster(box);
  await using d = await startDaemon(box, { global: ["--config", conf], args: ["--insecure-install"] });
  const node = `http://127.0.0.1:${d.port}`;
  const ok = expectStatus(node);
  // node001 boots and installs; node002 fails in its download; unknown hardware asks once.
  await ok(`/luna?step=discovery&hwdata=${MAC(1)}`);
  await ok("/luna?step=install&node=node001");
  for (const s of [
    "install.prescript",
    "install.download",
    "install.unpack",
    "install.postscript",
    "install.success",
  ])
    await ok(`/luna?step=install&node=node001&status=${s}`);
  await ok(`/luna?step=discovery&hwdata=${MAC(2)}`);
  await ok("/luna?step=install&node=node002");
  await ok("/luna?step=install&node=node002&status=install.download");
  await ok("/luna?step=install&node=node002&status=install.error.download");
  await ok(`/luna?step=discovery&hwdata=${MAC(9)}`, 404);
  await ok("/nothing-here", 404);
  // A leecher in the swarm (a loopback peer needs no credential), and the tarball over HTTP.
  await ok(announcePath(infohash, { left: 1000 }));
  const tar = await fetch(`${node}/torrents/${tarball}`);
  const bytes = (await tar.arrayBuffer()).byteLength;
  expect(tar.status).toBe(200);

  expect((await fetch(`${node}/metrics`)).status).toBe(404);
  const r = await fetch(`${d.admin}/metrics`);
  expect(r.status).toBe(200);
  expect(r.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
  const text = await r.text();

  expect(sample(text, 'luna_nodes{stage="success"}')).toBe(1);
  expect(sample(text, 'luna_nodes{stage="error"}')).toBe(1);
  expect(sample(text, 'luna_nodes{stage="none"}')).toBe(1);
  expect(sample(text, 'luna_nodes{stage="download"}')).toBe(0);
  expect(sample(text, "luna_install_successes_total")).toBe(1);
  expect(sample(text, 'luna_install_failures_total{reason="download"}')).toBe(1);
  // Both nodes left boot, request and download (node002 into its error); only node001 the rest.
  const left = { boot: 2, request: 2, download: 2, unpack: 1, configure: 1 };
  for (const [stage, n] of Object.entries(left))
    expect(sample(text, `luna_node_stage_duration_seconds_count{stage="${stage}"}`)).toBe(n);
  expect(sample(text, "luna_node_install_duration_seconds_count")).toBe(1);
  expect(sample(text, "luna_unknown_hardware")).toBe(1);
  expect(sample(text, "luna_unknown_hardware_requests_total")).toBe(1);
  expect(sample(text, "luna_status_reports_total")).toBe(7);
  expect(sample(text, 'luna_swarm_leechers{image="compute",version="1"}')).toBe(1);
  expect(sample(text, 'luna_swarm_seeders{image="compute",version="1"}')).toBe(0);
  expect(sample(text, 'luna_tracker_announces_total{result="ok"}')).toBe(1);
  expect(sample(text, 'luna_webseed_sent_bytes_total{image="compute",version="1"}')).toBe(bytes);
  expect(sample(text, 'luna_http_request_duration_seconds_count{route="luna_status",status="200"}')).toBe(7);
  expect(sample(text, 'luna_http_request_duration_seconds_count{route="luna_discovery",status="404"}')).toBe(
    1,
  );
  expect(sample(text, 'luna_http_request_duration_seconds_count{route="other",status="404"}')).toBe(2);
  expect(sample(text, 'luna_http_request_duration_seconds_count{route="torrents",status="200"}')).toBe(1);
  expect(sample(text, "luna_status_batch_size_count")).toBeGreaterThan(0);
  expect(sample(text, "luna_store_write_duration_seconds_count")).toBeGreaterThan(0);
  expect(sample(text, "process_resident_memory_bytes")).toBeGreaterThan(0);
  // Bounded labels: no node's name anywhere.
  expect(text).not.toContain("node001");

  const promtool = Bun.which("promtool");
  if (!promtool)
    throw new Error("promtool is not installed (apt-get install prometheus); .ci/run installs it");
  const check = Bun.spawn([promtool, "check", "metrics"], {
    stdin: new TextEncoder().encode(text),
    stderr: "pipe",
  });
  const problems = await new Response(check.stderr).text();
  expect(problems).toBe("");
  expect(await check.exited).toBe(0);
});

test("/metrics counts refused node requests by reason", async () => {
  await using box = await sandbox();
  const { conf } = await bootCluster(box);
  await using d = await startDaemon(box, { global: ["--config", conf] });
  const node = `http://127.0.0.1:${d.port}`;
  // node001's boot interface has 10.30.0.1: a request for its MAC from loopback is refused.
  expect((await fetch(`${node}/luna?step=discovery&hwdata=${MAC(1)}`)).status).toBe(403);
  expect((await fetch(`${node}/luna?step=install&node=node002&status=install.download`)).status).toBe(403);
  const text = await (await fetch(`${d.admin}/metrics`)).text();
  expect(sample(text, 'luna_credential_refusals_total{reason="boot-address"}')).toBe(1);
  expect(sample(text, 'luna_credential_refusals_total{reason="missing"}')).toBe(1);
  expect(sample(text, 'luna_credential_refusals_total{reason="expired"}')).toBe(0);
  expect(sample(text, 'luna_http_request_duration_seconds_count{route="luna_status",status="403"}')).toBe(1);
});
