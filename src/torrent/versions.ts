/**
 * The packed image versions a head-node seeder should serve: every version whose .torrent is
 * there and whose tarball has the recorded size (a seeder that trusts the file, as both of
 * ours do, would otherwise serve a short or half-copied tarball). Shared by both seeders.
 */
import { join } from "node:path";
import type { Store } from "../domain/store.ts";

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
