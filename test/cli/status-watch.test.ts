/**
 * The pure part of `luna node status --watch`: rows from nodes and tracker peers, stage
 * families, the boot-storm summary, the terminal frame and the change lines for a log.
 */
import { describe, expect, test } from "bun:test";
import {
  changes,
  familyOf,
  renderFrame,
  type Snapshot,
  type StatusRow,
  snapshot,
  statusRows,
  summarize,
  summaryLine,
} from "../../src/cli/status-watch.ts";
import type { Node, Peer } from "../../src/domain/model.ts";
import { withStatus } from "../../src/domain/status.ts";

const T0 = Date.parse("2026-11-25T10:00:00.000Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

/** A node with an address and the given stages reported at the given seconds after T0. */
function node(name: string, ip: string, stages: [string, number][] = []): Node {
  const bare = {
    id: name,
    name,
    interfaces: { eth0: { ip4: ip } },
    status: null,
    history: [],
  } as unknown as Node;
  return stages.reduce((n, [step, s]) => withStatus(n, step, at(s)), bare);
}

function peer(
  ip: string,
  o: { infohash?: string; left?: number; downloaded?: number; updated: number },
): Peer {
  return {
    id: `${ip}`,
    name: `${o.infohash ?? "aa"}/${ip}/6881`,
    infohash: o.infohash ?? "aa",
    ip,
    port: 6881,
    peerid: "-AR-",
    uploaded: 0,
    downloaded: o.downloaded ?? 0,
    left: o.left ?? 0,
    event: "",
    updated: at(o.updated),
  };
}

const row = (name: string, step: string | null, o: Partial<StatusRow> = {}): StatusRow => ({
  name,
  status: step ? { step, time: at(0) } : null,
  stages: step ? [{ step, time: at(0) }] : [],
  ...o,
});

test("familyOf groups stages: idle, boot, install, done, failed", () => {
  const cases: [string | undefined, string][] = [
    [undefined, "idle"],
    ["boot.request", "boot"],
    ["install.request", "install"],
    ["install.download.webseed", "install"],
    ["install.setupbmc.failed", "install"], // not fatal: the install goes on
    ["install.success", "done"],
    ["install.error.download", "failed"],
    ["install.error.root", "failed"],
    ["discovery.wait", "discovery"],
  ];
  for (const [step, family] of cases) expect([step, familyOf(step)]).toEqual([step, family]);
});

describe("statusRows", () => {
  const now = new Date(T0 + 100_000);
  const o = { now, peerHorizonSeconds: 25 };
  const downloading = node("node001", "10.0.0.1", [
    ["boot.request", 0],
    ["install.request", 2],
    ["install.download", 3],
  ]);
  test("gives download % and counts the other fresh peers of the node's swarm", () => {
    const peers = [
      peer("10.0.0.1", { downloaded: 30, left: 70, updated: 95 }),
      peer("10.0.0.2", { updated: 90 }), // fresh, same swarm
      peer("10.0.0.3", { updated: 80 }), // fresh, same swarm
      peer("10.0.0.4", { updated: 10 }), // silent for 90 s: gone for the tracker too
      peer("10.0.0.5", { infohash: "bb", updated: 99 }), // another image
    ];
    const [r] = statusRows([downloading], peers, o);
    expect(r?.download?.percent).toBe(30);
    expect(r?.peers).toBe(2);
    expect(r?.stages.map((s) => s.step)).toEqual(["boot.request", "install.request", "install.download"]);
  });
  test("leaves peers out when the node has not announced lately, and download % outside the download", () => {
    const installed = node("node002", "10.0.0.2", [["install.success", 50]]);
    const rows = statusRows([downloading, installed], [peer("10.0.0.1", { left: 5, updated: 1 })], o);
    expect(rows.map((r) => [r.name, r.peers, r.download?.percent])).toEqual([
      ["node001", undefined, 0], // the stale announce still tells the progress, as `node status` did
      ["node002", undefined, undefined],
    ]);
  });
});

describe("summarize", () => {
  const cases: { title: string; rows: StatusRow[]; now: number; expect: Record<string, unknown> }[] = [
    {
      title: "counts families and done/total; elapsed runs on while a run is unfinished",
      rows: [
        { ...row("a", "install.success"), stages: [{ step: "boot.request", time: at(0) }] },
        { ...row("b", "install.download"), stages: [{ step: "boot.request", time: at(5) }] },
        row("c", null),
        row("d", "install.error.download"),
      ],
      now: 300,
      expect: {
        total: 4,
        done: 1,
        families: { idle: 1, install: 1, done: 1, failed: 1 },
        stormStart: at(0),
        elapsedSeconds: 300,
      },
    },
    {
      title: "stops at the last stage once every run ended",
      rows: [
        {
          ...row("a", "install.success"),
          stages: [
            { step: "boot.request", time: at(10) },
            { step: "install.success", time: at(130) },
          ],
        },
        {
          ...row("b", "install.error.root"),
          stages: [
            { step: "boot.request", time: at(12) },
            { step: "install.error.root", time: at(70) },
          ],
        },
      ],
      now: 5000,
      expect: { stormStart: at(10), elapsedSeconds: 120 },
    },
    {
      title: "a run that ended long before the storm is not part of it",
      rows: [
        {
          ...row("old", "boot.request"),
          stages: [{ step: "boot.request", time: at(-86400) }],
        },
        {
          ...row("new", "install.download"),
          stages: [
            { step: "boot.request", time: at(0) },
            { step: "install.download", time: at(20) },
          ],
        },
        { ...row("new2", "boot.request"), stages: [{ step: "boot.request", time: at(40) }] },
      ],
      now: 60,
      expect: { families: { boot: 2, install: 1 }, stormStart: at(0), elapsedSeconds: 60 },
    },
  ];
  for (const c of cases) {
    test(c.title, () => {
      expect(summarize(c.rows, new Date(T0 + c.now * 1000))).toMatchObject(c.expect);
    });
  }
});

test("summarize without any run gives no storm", () => {
  expect(summarize([row("a", null)], new Date(T0))).toEqual({ total: 1, done: 0, families: { idle: 1 } });
});

test("summaryLine reads families, done/total and the elapsed time", () => {
  expect(
    summaryLine({
      total: 72,
      done: 25,
      families: { boot: 3, install: 42, done: 25, failed: 2 },
      elapsedSeconds: 252,
    }),
  ).toBe("boot 3, install 42, failed 2 | done 25/72 | elapsed 0:04:12");
  expect(summaryLine({ total: 0, done: 0, families: {} })).toBe("done 0/0");
});

describe("renderFrame", () => {
  const snap = snapshot(
    [
      row("node001", "install.download", {
        download: { percent: 42.4, uploaded: 0, updated: at(0) },
        peers: 7,
      }),
      row("node002", null),
    ],
    new Date(T0 + 65_000),
  );
  test("shows a title with the time, the summary and a row per node", () => {
    const lines = renderFrame(snap, { columns: 100, rows: 40, interval: 1 });
    expect(lines[0]).toMatch(/^luna node status, every 1s \(Ctrl-C ends\) +10:01:05$/);
    expect(lines[0]).toHaveLength(100);
    expect(lines[1]).toBe("idle 1, install 1 | done 0/2 | elapsed 0:01:05");
    expect(
      lines
        .find((l) => l.includes("node001"))
        ?.split("|")
        .map((c) => c.trim()),
    ).toEqual(["", "node001", "install.download", "0:01:05", "42%", "7", ""]);
    expect(lines.find((l) => l.includes("node002"))?.replace(/ +/g, " ")).toBe("| node002 | - | - | - | - |");
  });
  test("never wraps or scrolls: lines cut to the width, rows cut to the height with a note", () => {
    const lines = renderFrame(snap, { columns: 30, rows: 6, interval: 2 });
    expect(lines).toHaveLength(5);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(30);
    expect(lines[4]).toBe("... 5 more lines: enlarge the ");
  });
});

describe("changes", () => {
  const snap = (s: number, rows: StatusRow[]): Snapshot => snapshot(rows, new Date(T0 + s * 1000));
  const dl = (percent: number, peers?: number) =>
    row("node001", "install.download", { download: { percent, uploaded: 0, updated: at(0) }, peers });
  const first = snap(0, [dl(3, 1), row("node002", null)]);
  const cases: { title: string; prev?: Snapshot; next: Snapshot; lines: string[] }[] = [
    {
      title: "the first round lists every node and the summary",
      next: first,
      lines: [
        "2026-11-25T10:00:00Z node001 install.download 0% peers 1",
        "2026-11-25T10:00:00Z node002 -",
        "2026-11-25T10:00:00Z idle 1, install 1 | done 0/2 | elapsed 0:00:00",
      ],
    },
    {
      title: "nothing changed: nothing printed",
      prev: first,
      next: snap(1, [dl(9, 4), row("node002", null)]),
      lines: [],
    },
    {
      title: "a download passing a 10 % step prints the node",
      prev: first,
      next: snap(2, [dl(12, 4), row("node002", null)]),
      lines: ["2026-11-25T10:00:02Z node001 install.download 10% peers 4"],
    },
    {
      title: "a new stage prints the node and the summary; a deleted node says so",
      prev: first,
      next: snap(3, [
        { ...row("node001", "install.unpack"), status: { step: "install.unpack", time: at(3) } },
      ]),
      lines: [
        "2026-11-25T10:00:03Z node001 install.unpack",
        "2026-11-25T10:00:03Z node002 deleted",
        "2026-11-25T10:00:03Z install 1 | done 0/1 | elapsed 0:00:03",
      ],
    },
  ];
  for (const c of cases) test(c.title, () => expect(changes(c.prev, c.next)).toEqual(c.lines));
});
