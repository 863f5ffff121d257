/**
 * Piece length (issue 12): the packer's rule gives about 1,000-2,000 pieces, a power of two
 * from 64 KiB to 4 MiB. The `--piece-size` override is tested through the compiled binary in
 * test/e2e/piece-size.test.ts.
 */
import { expect, test } from "bun:test";
import { pieceLengthFor } from "../../src/pack/torrent-file.ts";

test("the piece length keeps about a thousand pieces or more, from 64 KiB to 4 MiB", () => {
  const MiB = 1024 * 1024;
  const table = [1, 16, 64, 128, 1024, 4096, 16384].map((mb) => [mb, pieceLengthFor(mb * MiB) / 1024]);
  expect(table).toEqual([
    [1, 64],
    [16, 64],
    [64, 64],
    [128, 128],
    [1024, 1024],
    [4096, 4096],
    [16384, 4096],
  ]);
  for (const mb of [64, 100, 700, 3000]) {
    const pieces = Math.ceil((mb * MiB) / pieceLengthFor(mb * MiB));
    expect(pieces).toBeGreaterThanOrEqual(1024);
    expect(pieces).toBeLessThan(2048);
  }
});
