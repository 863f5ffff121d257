/**
 * The install script's BitTorrent download when the swarm gives nothing (a torrent no tracker
 * knows), run for real as in install-script.test.ts: it falls back to the head node's web seed
 * after the stall time, and fails the install when the web seed gives nothing either. Each
 * waits out real stall timers (seconds), hence `.slow`.
 */
import { expect, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { changeGroup } from "../../src/domain/group.ts";
import { makeTorrent, pieceLengthFor } from "../../src/pack/torrent-file.ts";
import { install } from "../helpers/install-run.ts";

/** A real torrent of the fixture's tarball that no tracker knows: the swarm gives nothing. */
async function unknownTorrent(fx: { path: string; tarball: string }, base: string) {
  const bytes = readFileSync(join(fx.path, "torrents", fx.tarball));
  const pieceLength = pieceLengthFor(bytes.length);
  const pieces = new Uint8Array(20 * Math.ceil(bytes.length / pieceLength));
  for (let i = 0; i * pieceLength < bytes.length; i++) {
    const piece = bytes.subarray(i * pieceLength, (i + 1) * pieceLength);
    pieces.set(new Bun.CryptoHasher("sha1").update(piece).digest(), 20 * i);
  }
  const { torrent } = makeTorrent({
    name: fx.tarball,
    size: bytes.length,
    pieceLength,
    pieces,
    announce: `${base}/announce`,
    comment: "test",
  });
  writeFileSync(join(fx.path, "torrents", "compute-1.torrent"), torrent);
}

test("a stalled swarm falls back to the web seed, and the install still succeeds", async () => {
  await install(
    ({ code, log, node }) => {
      expect(code).toBe(0);
      expect(log).toContain("luna: the swarm stalled: going on with the head node's web seed beside it");
      expect(node?.status?.step).toBe("install.success");
      expect((node?.history ?? []).map((h) => h.step)).toContain("install.download.webseed");
    },
    {
      prepare: async (tx, fx, base) => {
        await unknownTorrent(fx, base);
        await changeGroup(tx, "compute", { method: "torrent", seed_tail: "0" });
      },
      env: () => ({ LUNA_SWARM_STALL: "2", LUNA_DL_STALL: "5" }),
    },
  );
}, 60_000);

test("a BitTorrent download that makes no progress, swarm or web seed, fails the install instead of waiting forever", async () => {
  await install(
    ({ code, log, node }) => {
      expect(code).toBe(1);
      expect(log).toContain("luna: the swarm stalled: going on with the head node's web seed beside it");
      expect(log).toContain(
        "luna: aria2c exited before the download completed (no progress for 3 s, or an error):",
      );
      expect(log).toContain("luna: FATAL in download: BitTorrent download or unpack of");
      expect(node?.status?.step).toBe("install.error.download");
    },
    {
      // No tracker knows the torrent, and the web seed answers 404 (the tarball is gone).
      prepare: async (tx, fx, base) => {
        await unknownTorrent(fx, base);
        rmSync(join(fx.path, "torrents", fx.tarball));
        await changeGroup(tx, "compute", { method: "torrent" });
      },
      env: () => ({ LUNA_SWARM_STALL: "2", LUNA_DL_STALL: "3" }),
    },
  );
}, 60_000);
