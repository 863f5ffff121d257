/**
 * Compatibility on loopback (issue 5): Debian's stock aria2c, run as the install script runs
 * it (torrent fetched over HTTP, `--follow-torrent=mem`), and a webtorrent client both complete
 * a 64 MiB packed image against our tracker and the head-node seeder, and both copies hash like
 * the packed file. The web seed is answered 404, so every byte comes over BitTorrent from our
 * seeder: its upload counter must show two full copies.
 */
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebTorrent from "webtorrent";
import { ariaLeech, sha256File, startSwarm, waitFor } from "../helpers/swarm.ts";

interface WtTorrent {
  done: boolean;
  progress: number;
  on(e: "done", f: () => void): void;
}

for (const engine of ["aria2c", "luna"] as const)
  test(`Debian aria2c and webtorrent both complete from our tracker and the ${engine} seeder`, async () => {
    await using swarm = await startSwarm({ mib: 64, webSeed: false, engine });
    const dir = mkdtempSync(join(tmpdir(), "luna-compat-"));
    // Leecher only: no DHT/LSD/PEX/uTP/NAT, no web seeds (the test proves the BitTorrent path).
    const client = new WebTorrent({
      dht: false,
      lsd: false,
      utPex: false,
      utp: false,
      natUpnp: false,
      natPmp: false,
      webSeeds: false,
    } as ConstructorParameters<typeof WebTorrent>[0]);
    try {
      const aria = await ariaLeech(swarm.torrentUrl, join(dir, "aria"));
      expect(aria.code, aria.output).toBe(0);
      expect(await sha256File(join(dir, "aria", swarm.version.tarball))).toBe(swarm.sha256);

      const torrent = new Uint8Array(await (await fetch(swarm.torrentUrl)).arrayBuffer());
      const wtDir = join(dir, "wt");
      const wt = await new Promise<WtTorrent>((resolve, reject) => {
        client.on("error", reject);
        client.add(torrent, { path: wtDir, strategy: "sequential" }, (t: WtTorrent) => resolve(t));
      });
      await waitFor("webtorrent to finish", () => wt.done, 120_000);
      expect(await sha256File(join(wtDir, swarm.version.tarball))).toBe(swarm.sha256);

      await swarm.seeder.rescan();
      expect(swarm.seeder.stats().uploaded).toBeGreaterThanOrEqual(2 * swarm.version.size);
    } finally {
      await new Promise((r) => client.destroy(r));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
