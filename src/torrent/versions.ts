/**
 * What both head-node seeders (seeder.ts with aria2c, luna-seeder.ts with our own peer) share:
 * the packed image versions to serve, their peer id, and failures reported once while they last.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Store } from "../domain/store.ts";
import type { Logger } from "../lib/logger.ts";

/** Head-node seeders announce this peer-id prefix (and scripts find the process by it). */
export const SEEDER_PEER_ID_PREFIX = "-LUNA1-";

/** A 20-character peer id (aria2c takes a 20-byte prefix as the whole id, so the tracker can hand it out). */
export const seederPeerId = (): string =>
  SEEDER_PEER_ID_PREFIX + randomBytes(13).toString("hex").slice(0, 13);

/**
 * Failures logged once while they last, not at every rescan: `fail` logs what the previous
 * scan did not see; `endScan` closes a scan (call it after every scan, failed or not).
 */
export function onceReporter(log: Pick<Logger, "error">) {
  let reported = new Set<string>();
  let seen = new Set<string>();
  return {
    fail(msg: string, f: Record<string, unknown>): void {
      const key = msg + JSON.stringify(f);
      if (!reported.has(key) && !seen.has(key)) log.error(msg, f);
      seen.add(key);
    },
    endScan(): void {
      reported = seen;
      seen = new Set();
    },
  };
}

/**
 * The packed image versions a head-node seeder should serve: every version whose .torrent is
 * there and whose tarball has the recorded size (a seeder that trusts the file, as both of
 * ours do, would otherwise serve a short or half-copied tarball).
 */
export interface SeedableVersion {
  torrent: string;
  tarball: string;
  infohash: string;
  size: number;
}

/** Seedable versions by torrent file name; `fail` hears about each one that is not. */
export async function seedableVersions(
  store: Store,
  dir: string,
  fail: (msg: string, f: Record<string, unknown>) => void,
): Promise<Map<string, SeedableVersion>> {
  const wanted = new Map<string, SeedableVersion>();
  for (const image of await store.list("osimage"))
    for (const v of image.versions) {
      const size = Bun.file(join(dir, v.tarball)).size;
      if (!(await Bun.file(join(dir, v.torrent)).exists()))
        fail("Cannot seed an image version: its .torrent is missing", { torrent: v.torrent });
      else if (size === v.size)
        wanted.set(v.torrent, { torrent: v.torrent, tarball: v.tarball, infohash: v.infohash, size });
      else
        fail("Cannot seed an image version: its tarball is missing or has the wrong size", {
          tarball: v.tarball,
          size,
          expected: v.size,
        });
    }
  return wanted;
}
