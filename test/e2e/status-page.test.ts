/**
 * The live status page (issue 16 item 2) in a real headless browser: Debian's chromium driven by
 * puppeteer-core (nothing downloaded), against a compiled daemon whose nodes report through the
 * real node-facing routes. The page's counts per stage match `luna node status --json`, a
 * download shows its percentage, a click shows a node's timeline, unknown hardware has its
 * adopt command, and a new report reaches the open page by itself (Server-Sent Events). The
 * screenshot is docs/status-page.png (rewritten with UPDATE_GOLDEN=1, as golden files are).
 */
import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer from "puppeteer-core";
import { STAGE_FAMILIES, stageFamily } from "../../src/domain/stages.ts";
import { announcePath, bootCluster, expectStatus, MAC } from "../helpers/boot-cluster.ts";
import { startDaemon } from "../helpers/daemon-proc.ts";
import { sandbox } from "../helpers/luna.ts";

/** The page's document, as far as the functions run inside it use it (no DOM types in this project). */
declare const document: {
  body: { dataset: Record<string, string | undefined> };
  querySelector(selector: string): { getAttribute(name: string): string | null } | null;
};

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT = join(import.meta.dir, "..", "..", "docs", "status-page.png");

test("the status page shows the cluster as luna node status does, and follows it live", async () => {
  if (!existsSync(CHROMIUM))
    throw new Error("chromium is not installed (apt-get install chromium); .ci/run installs it");
  await using box = await sandbox();
  const { conf, infohash } = await bootCluster(box, { nodes: 12, macs: 9, groups: ["compute", "gpu"] });
  await using d = await startDaemon(box, { global: ["--config", conf], args: ["--insecure-install"] });
  const node = `http://127.0.0.1:${d.port}`;
  const ok = expectStatus(node);
  const report = (n: number, ...steps: string[]) =>
    steps.reduce(
      (p, s) => p.then(() => ok(`/luna?step=install&node=node00${n}&status=${s}`)),
      Promise.resolve(),
    );
  // A storm caught in the middle: nodes 1-9 booted; 1-3 done, 4-6 downloading (with their
  // progress announced), 7 unpacking, 8 failed, 9 still loading its kernel; 10-12 never booted.
  for (let n = 1; n <= 9; n++) {
    await ok(`/luna?step=discovery&hwdata=${MAC(n)}`);
    if (n < 9) await ok(`/luna?step=install&node=node00${n}`);
  }
  for (const n of [1, 2, 3])
    await report(n, "install.download", "install.unpack", "install.postscript", "install.success");
  for (const n of [4, 5, 6]) await report(n, "install.prescript", "install.download");
  await report(7, "install.download", "install.unpack");
  await report(8, "install.download", "install.error.download");
  // node004-006 have 10.30.0.4-6 (addresses in node order): their announces give their progress.
  const size = 1000;
  for (const [k, left] of [
    [4, 750],
    [5, 400],
    [6, 100],
  ] as const)
    await ok(announcePath(infohash, { ip: `10.30.0.${k}`, left, downloaded: size - left, port: 6880 + k }));
  // Unknown hardware whose serial (any host on the provisioning network may send one) is markup.
  const serial = "<img/src=x/onerror=window.pwned=1>";
  await ok(`/luna?step=discovery&hwdata=${MAC(0xaa)}|${encodeURIComponent(serial)}`, 404);

  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const shots = mkdtempSync(join(tmpdir(), "luna-page-"));
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.goto(`${d.admin}/`);
    await page.waitForFunction(() => document.body.dataset.updated !== undefined, { timeout: 20_000 });

    // counts per stage, as the page shows them and as `luna node status --json` has them
    const shown = async () =>
      page.$$eval(".count[data-stage]", (els) =>
        Object.fromEntries(
          els.map((e) => [e.getAttribute("data-stage"), Number(e.getAttribute("data-count"))]),
        ),
      );
    const cli = async () => {
      const r = await box.luna(["node", "status", "--json"]);
      expect(r.code).toBe(0);
      const counts: Record<string, number> = {};
      for (const n of JSON.parse(r.stdout) as { status: { step: string } | null }[]) {
        const f = stageFamily(n.status?.step);
        counts[f] = (counts[f] ?? 0) + 1;
      }
      return counts;
    };
    const expected = await cli();
    expect(expected).toEqual({ success: 3, download: 3, unpack: 1, error: 1, boot: 1, none: 3 });
    expect(await shown()).toEqual(expected);
    expect(Object.keys(await shown()).every((s) => (STAGE_FAMILIES as readonly string[]).includes(s))).toBe(
      true,
    );

    // every node a tile, grouped; downloads with their percentage
    const tiles = await page.$$eval(".tile", (els) =>
      els.map((e) => ({
        node: e.getAttribute("data-node"),
        stage: e.getAttribute("data-stage"),
        text: e.textContent,
      })),
    );
    expect(tiles).toHaveLength(12);
    expect(await page.$$eval("#groups h3", (els) => els.map((e) => e.textContent))).toEqual([
      "compute (6)",
      "gpu (6)",
    ]);
    const tile = (n: string) => tiles.find((t) => t.node === n);
    expect(tile("node005")?.stage).toBe("download");
    expect(tile("node005")?.text).toContain(`${(100 * (size - 400)) / size}%`);
    expect(tile("node008")?.stage).toBe("error");

    // unknown hardware with its adopt command
    expect(await page.$eval(`tr[data-mac="${MAC(0xaa)}"] button`, (b) => b.getAttribute("data-copy"))).toBe(
      `luna node unknown --adopt ${MAC(0xaa)} -n NAME`,
    );
    // ...shown as text, never run
    expect(await page.$eval(`tr[data-mac="${MAC(0xaa)}"] td:nth-child(2)`, (td) => td.textContent)).toBe(
      serial,
    );
    expect(await page.$$("#unknown img")).toHaveLength(0);
    expect(await page.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined();
    // the storm charts: nodes done (3 of 9) and the head node's upload
    expect(await page.$eval('[data-chart="done"]', (e) => e.textContent)).toContain("Nodes done: 3 of 9");
    expect(await page.$('[data-chart="upload"] svg')).not.toBeNull();

    // a click shows the node's latest boot, stage by stage
    await page.click('.tile[data-node="node002"]');
    await page.waitForSelector("#timeline-table");
    const steps = await page.$$eval("#timeline-table tr", (rows) =>
      rows.map((r) => r.getAttribute("data-step")),
    );
    const status = JSON.parse((await box.luna(["node", "status", "node002", "--json"])).stdout) as {
      stages: { step: string }[];
    }[];
    expect(steps).toEqual(status[0]?.stages.map((s) => s.step) ?? []);

    // a report made now reaches the open page without a reload
    await page.screenshot({ path: join(shots, "before.png") });
    await report(4, "install.unpack");
    await page.waitForFunction(
      () => document.querySelector('.count[data-stage="unpack"]')?.getAttribute("data-count") === "2",
      { timeout: 20_000 },
    );
    expect(await shown()).toEqual(await cli());
    expect(errors).toEqual([]);

    const regenerate = process.env.UPDATE_GOLDEN === "1" || (!existsSync(SCREENSHOT) && !process.env.CI);
    const png = await page.screenshot({
      path: regenerate ? SCREENSHOT : join(shots, "page.png"),
      fullPage: true,
    });
    expect(Buffer.from(png).subarray(1, 4).toString()).toBe("PNG");
  } finally {
    await browser.close();
    rmSync(shots, { recursive: true, force: true });
  }
});
