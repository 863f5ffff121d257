/**
 * The boot-storm swarm model (scripts/lib/swarm-model.ts): properties any correct run must
 * have — determinism, the physical floors, conservation of bytes, the plain-HTTP limit — on
 * small swarms (each run takes milliseconds). No timing is asserted.
 */
import { describe, expect, test } from "bun:test";
import { type SwarmOptions, simulateSwarm } from "../../scripts/lib/swarm-model.ts";

const MiB = 1024 * 1024;
const small: Omit<SwarmOptions, "nodes"> = {
  imageBytes: 16 * MiB,
  pieceBytes: 256 * 1024,
  nodeBps: 10e6,
  headBps: 10e6,
};
/** S / B in seconds at the given payload efficiency. */
const floor = (bps: number, efficiency = 0.95) => (16 * MiB * 8) / (bps * efficiency);
const sum = (a: Float64Array) => a.reduce((x, y) => x + y, 0);

describe("swarm model", () => {
  test("the same seed gives the same run, another seed another", () => {
    const o = { ...small, nodes: 12, startSpread: 3, rackSize: 4, rackBps: 20e6 };
    const a = simulateSwarm({ ...o, seed: 7 });
    const b = simulateSwarm({ ...o, seed: 7 });
    const c = simulateSwarm({ ...o, seed: 8 });
    expect([...b.finish]).toEqual([...a.finish]);
    expect([...b.fromPeers]).toEqual([...a.fromPeers]);
    expect(b.rackUplinkBytes).toBe(a.rackUplinkBytes);
    expect([...c.finish]).not.toEqual([...a.finish]);
  });

  test("one node takes S / B_node, with or without the web seed", () => {
    for (const webSeed of ["off", "always"] as const) {
      const r = simulateSwarm({ ...small, nodes: 1, efficiency: 1, webSeed });
      expect(r.tLast).toBeGreaterThanOrEqual(floor(10e6, 1) - 1e-9);
      expect(r.tLast).toBeLessThan(floor(10e6, 1) + 0.25);
      expect(r.headCopies).toBeCloseTo(1, 9);
    }
  });

  test("every byte a node receives was sent once, and each node receives exactly S", () => {
    const o = { ...small, nodes: 24, rackSize: 6, rackBps: 20e6, startSpread: 2 };
    for (const webSeed of ["off", "always"] as const) {
      const r = simulateSwarm({ ...o, webSeed });
      for (let i = 0; i < 24; i++) expect(r.fromHead[i]! + r.fromWeb[i]! + r.fromPeers[i]!).toBe(16 * MiB);
      expect(sum(r.uploaded)).toBe(sum(r.fromPeers));
      expect(r.seederBytes).toBe(sum(r.fromHead));
      expect(r.webBytes).toBe(sum(r.fromWeb));
      expect(r.headCopies * 16 * MiB).toBeCloseTo(r.seederBytes + r.webBytes, 0);
      expect(r.rackUplinkBytes).toBeGreaterThan(0);
      if (webSeed === "off") expect(r.webBytes).toBe(0);
      else for (const b of r.fromWeb) expect(b).toBeGreaterThan(0);
    }
  });

  test("plain HTTP takes N·S / B_head and sends N copies", () => {
    const r = simulateSwarm({ ...small, nodes: 8, transport: "http", efficiency: 1 });
    expect(r.tLast).toBeGreaterThanOrEqual(8 * floor(10e6, 1) - 1e-9);
    expect(r.tLast).toBeLessThan(8 * floor(10e6, 1) * 1.01);
    expect(r.headCopies).toBeCloseTo(8, 9);
    expect(r.peerShare).toBe(0);
  });

  test("no swarm beats the floors S / B_node and S / B_head, and the head sends a copy at least", () => {
    for (const nodes of [2, 8, 32])
      for (const seederPolicy of ["normal", "superseed"] as const) {
        const r = simulateSwarm({ ...small, nodes, seederPolicy, webSeed: "off", headBps: 5e6 });
        expect(r.tLast).toBeGreaterThanOrEqual(floor(5e6));
        expect(r.tLast).toBeLessThan(Number.POSITIVE_INFINITY);
        expect(r.headCopies).toBeGreaterThanOrEqual(1);
        expect(r.median).toBeLessThanOrEqual(r.tLast);
      }
  });

  test("each node takes at least S / B_node from its own start", () => {
    const r = simulateSwarm({ ...small, nodes: 16, startSpread: 20 });
    for (let i = 0; i < 16; i++) expect(r.finish[i]! - r.start[i]!).toBeGreaterThanOrEqual(floor(10e6));
    expect(Math.max(...r.start)).toBeGreaterThan(10);
  });

  test("nodes trade: from 8 nodes on most bytes come from peers and the head sends few copies", () => {
    const r = simulateSwarm({ ...small, nodes: 16, webSeed: "off" });
    expect(r.peerShare).toBeGreaterThan(0.5);
    expect(r.headCopies).toBeLessThan(8);
    expect(r.tLast).toBeLessThan(16 * floor(10e6));
  });

  test("rarest-first picks differ from the web seed's sequential stream, so nodes trade", () => {
    // 64 pieces, like a 64 MiB image: choices that followed piece order would repeat the web
    // seed's and leave the nodes little to trade (18 % from peers, 3.3 copies, when ties were not
    // broken at random).
    const r = simulateSwarm({ ...small, nodes: 4, webSeed: "always" });
    expect(r.peerShare).toBeGreaterThan(0.4);
    expect(r.headCopies).toBeLessThan(2.5);
  });

  test("the web-seed fallback opens only after stallSeconds without a byte", () => {
    // The head's seeder unchokes nobody, so nothing moves until the web seed opens.
    const o = { ...small, nodes: 4, headUploadSlots: 0, webSeed: "fallback" as const, stallSeconds: 15 };
    const r = simulateSwarm(o);
    expect(r.seederBytes).toBe(0);
    expect(r.webBytes).toBeGreaterThanOrEqual(16 * MiB);
    expect(Math.min(...r.finish)).toBeGreaterThanOrEqual(15 + floor(10e6));
  });

  test("same-rack-first keeps traffic in the racks", () => {
    // Fewer peers than a rack holds plus a few: the tracker's order then decides the neighbours.
    const o = {
      ...small,
      nodes: 64,
      rackSize: 8,
      rackBps: 20e6,
      webSeed: "off" as const,
      numwant: 12,
      maxPeers: 12,
    };
    const random = simulateSwarm({ ...o, trackerPolicy: "random" });
    const rack = simulateSwarm({ ...o, trackerPolicy: "rack" });
    expect(rack.rackUplinkBytes).toBeLessThan(random.rackUplinkBytes * 0.8);
  });

  test("nodes that leave at once still all finish", () => {
    const r = simulateSwarm({ ...small, nodes: 12, seedTail: 0, startSpread: 10 });
    for (const t of r.finish) expect(Number.isFinite(t)).toBe(true);
  });

  test("super-seeding turns to the least complete pull the laggards in (luna's seeder)", () => {
    // The head's link goes to the least complete few while it super-seeds: the nodes aria2c's
    // tit-for-tat left behind catch up, so the last node finishes nearer the median.
    const spread = (headTurnSlots: number) => {
      let total = 0;
      for (const seed of [1, 2, 3]) {
        const r = simulateSwarm({
          ...small,
          nodes: 16,
          webSeed: "off",
          seederPolicy: "superseed",
          headUploadSlots: 1000,
          headTurnSlots,
          seed,
        });
        expect(r.finish.every(Number.isFinite)).toBe(true);
        total += r.tLast - r.median;
      }
      return total;
    };
    expect(spread(6)).toBeLessThan(spread(0) / 2);
  });

  test("invalid parameters are refused", () => {
    expect(() => simulateSwarm({ nodes: 2, headTurnSlots: 1.5 })).toThrow("headTurnSlots");
    expect(() => simulateSwarm({ nodes: 0 })).toThrow("Invalid swarm parameter: nodes 0");
    expect(() => simulateSwarm({ nodes: 2, startTimes: [0] })).toThrow("startTimes");
  });
});
