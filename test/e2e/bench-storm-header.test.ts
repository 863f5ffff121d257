/**
 * The boot-storm bench's header (scripts/lib/bench-storm-report.ts renderHeader): a run with the
 * daemon's HTTP left unshaped says so, so that its rows are never read as the shaped ones.
 */
import { expect, test } from "bun:test";
import { type RunInfo, renderHeader } from "../../scripts/lib/bench-storm-report.ts";

const info: RunInfo = {
  machine: "2 × test cpu",
  sizeMB: 5,
  imageBytes: 5_263_360,
  nodeMbit: 1,
  profiles: [{ headRatio: 1, nodeMbit: 1, headMbit: 1 }],
  pieceLengths: [16_384],
  pieceKB: 16,
  nodeEnv: undefined,
  modes: ["http", "torrent"],
  smoke: false,
};

test("a run with --unshaped-control says that the daemon's HTTP skipped the head's shaper", () => {
  const h = renderHeader({ ...info, unshapedControl: true });
  expect(h).toContain("left the head unshaped (--unshaped-control)");
  expect(h).toContain("the image kept its shaper");
  expect(h).toContain("piece size 16 KiB");
});

test("a shaped run says nothing of it", () => {
  expect(renderHeader(info)).not.toContain("unshaped");
  expect(renderHeader({ ...info, unshapedControl: false })).not.toContain("unshaped");
});
