/**
 * A screenshot of the live status page, from Debian's chromium through puppeteer-core (nothing
 * downloaded): waits for the first snapshot, then `--wait S` seconds for the page to fill.
 * During an emulated storm run it inside the head node's namespace, where the admin listener is:
 *
 *   ip netns exec lhd-ID bun scripts/status-page-shot.ts http://127.0.0.1:7051/ docs/status-page.png [--wait 0]
 */
import puppeteer from "puppeteer-core";

const [url, out] = process.argv.slice(2);
const waitAt = process.argv.indexOf("--wait");
const waitS = waitAt > 0 ? Number(process.argv[waitAt + 1]) : 0;
if (!url || !out) {
  console.error("usage: bun scripts/status-page-shot.ts URL OUT.png [--wait S]");
  process.exit(2);
}
const browser = await puppeteer.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(url);
  await page.waitForFunction("document.body.dataset.updated !== undefined", { timeout: 30_000 });
  if (waitS > 0) await new Promise((r) => setTimeout(r, waitS * 1000));
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
}
