/**
 * Super-seeding's piece plan (src/torrent/superseed.ts), as pure functions: first copies are
 * spread (no piece offered twice while another was never offered), offers stay `depth` deep and
 * move on at the first evidence, plain seeding takes over once every piece is in the swarm, and
 * a piece whose only holder left is offered again.
 */
import { describe, expect, test } from "bun:test";
import { createSuperSeed } from "../../src/torrent/superseed.ts";

/** A small deterministic PRNG, so a failure replays. */
const lcg = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};

describe("super-seeding plan", () => {
  test("every piece is offered once before any piece is offered twice", () => {
    const rnd = lcg(7);
    let spreadCalls = 0;
    const onSpread = () => spreadCalls++;
    const plan = createSuperSeed({ pieces: 64, depth: 3, random: rnd, onSpread });
    const peers = Array.from({ length: 8 }, () => plan.addPeer());
    const offeredTimes = new Array(64).fill(0);
    let rounds = 0;
    while (!plan.plain && rounds++ < 1000) {
      for (const p of peers) {
        if (plan.plain) break;
        for (const i of plan.offers(p)) offeredTimes[i]++;
        // the peer downloads one of its offers (in a random order) and says HAVE
        const mine = [...p.offered];
        const i = mine[Math.floor(rnd() * mine.length)];
        if (i !== undefined) plan.peerHas(p, i);
      }
      expect(spreadCalls).toBe(plan.plain ? 1 : 0);
      const never = offeredTimes.filter((n) => n === 0).length;
      if (never > 0) expect(Math.max(...offeredTimes)).toBe(1);
    }
    expect(plan.plain).toBe(true);
    expect(plan.spread()).toBe(64);
    expect(spreadCalls).toBe(1);
    // Peers here only take offers, so the last first copies are the only ones offered twice.
    expect(offeredTimes.filter((n) => n > 1).length).toBeLessThanOrEqual(8 * 3);
  });

  test("a first copy sent but not yet reported goes to a second peer only once it is overdue", () => {
    let t = 0;
    const plan = createSuperSeed({ pieces: 2, depth: 2, random: lcg(3), staleMs: 3000, now: () => t });
    const a = plan.addPeer();
    const both = plan.offers(a);
    expect(both.sort()).toEqual([0, 1]);
    for (const i of both) plan.sent(a, i, 65_536, 65_536); // on the wire, no HAVE yet
    const b = plan.addPeer();
    expect(plan.offers(b)).toEqual([]); // a second copy now would only slow the first ones down
    t = 2999;
    expect(plan.offers(b)).toEqual([]);
    plan.peerHas(a, 0);
    t = 3001;
    expect(plan.offers(b)).toEqual([1]); // piece 1 is overdue; piece 0 is in the swarm
    expect(plan.plain).toBe(false);
    plan.peerHas(a, 1);
    expect(plan.plain).toBe(true);
  });

  test("a peer keeps depth offers, and gets a new one on HAVE or when the last block went out", () => {
    const plan = createSuperSeed({ pieces: 16, depth: 2, random: lcg(1) });
    const p = plan.addPeer();
    const first = plan.offers(p);
    expect(first.length).toBe(2);
    expect(plan.offers(p)).toEqual([]); // still two outstanding
    plan.sent(p, first[0] as number, 16_384, 65_536); // a block, not the last
    expect(plan.offers(p)).toEqual([]);
    plan.sent(p, first[0] as number, 65_536, 65_536); // the last block of the piece
    const second = plan.offers(p);
    expect(second.length).toBe(1);
    expect(first).not.toContain(second[0]);
    plan.peerHas(p, first[1] as number);
    expect(plan.offers(p).length).toBe(1);
    expect(p.offered.size).toBe(2);
  });

  test("a piece another peer already spread is not offered as a first copy", () => {
    const plan = createSuperSeed({ pieces: 4, depth: 2, random: lcg(3) });
    const a = plan.addPeer();
    const b = plan.addPeer();
    for (const i of [0, 1]) plan.peerHas(a, i); // a came with pieces 0 and 1
    expect(plan.offers(b).sort()).toEqual([2, 3]);
  });

  test("once every piece is in the swarm, everything left is announced to everyone", () => {
    const plan = createSuperSeed({ pieces: 8, depth: 2, random: lcg(5) });
    const a = plan.addPeer();
    const b = plan.addPeer();
    for (let i = 0; i < 8; i++) plan.peerHas(a, i);
    expect(plan.plain).toBe(true);
    expect(plan.offers(b).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(plan.offers(b)).toEqual([]);
    const late = plan.addPeer();
    expect([...late.announced].every((x) => x === 1)).toBe(true);
  });

  test("a piece whose only holder left is offered again", () => {
    const plan = createSuperSeed({ pieces: 2, depth: 2, random: lcg(9) });
    const a = plan.addPeer();
    const offered = plan.offers(a);
    expect(offered.length).toBe(2);
    plan.peerHas(a, 0);
    plan.removePeer(a);
    const b = plan.addPeer();
    expect(plan.offers(b).sort()).toEqual([0, 1]);
  });

  test("plain mode from the start announces every piece", () => {
    const plan = createSuperSeed({ pieces: 3, plain: true });
    expect(plan.offers(plan.addPeer()).length).toBe(0); // announced as a whole (a full BITFIELD)
    expect(plan.plain).toBe(true);
  });
});

describe("super-seeding: pieces in flight", () => {
  test("at most inFlight offers are outstanding over all peers, and a freed slot goes round", () => {
    const plan = createSuperSeed({ pieces: 256, depth: 3, inFlight: 4, random: lcg(11) });
    const peers = Array.from({ length: 8 }, () => plan.addPeer());
    const given = peers.map((p) => plan.offers(p).length);
    expect(given.reduce((a, b) => a + b, 0)).toBe(4);
    // a peer that already had offers does not take the next free slot while others have none
    const first = peers.findIndex((p) => p.offered.size > 0);
    const fp = peers[first] as (typeof peers)[number];
    plan.peerHas(fp, [...fp.offered][0] as number);
    const hungry = peers.findIndex((p) => p.announced.every((x) => x === 0)); // never offered a piece
    expect(plan.offers(fp)).toEqual([]);
    expect(plan.offers(peers[hungry] as (typeof peers)[number]).length).toBe(1);
    expect(peers.reduce((n, p) => n + p.offered.size, 0)).toBe(4);
  });
});

describe("super-seeding: a freed slot reaches a quiet peer", () => {
  test("refill hands a freed slot to the least complete waiting peer, once", () => {
    const plan = createSuperSeed({ pieces: 64, depth: 2, inFlight: 2, random: lcg(5) });
    const a = plan.addPeer();
    const b = plan.addPeer();
    const c = plan.addPeer();
    expect(plan.offers(a).length).toBe(2); // the cap is full
    // b got two pieces from other nodes (a BITFIELD); c has none
    const mine = new Set(a.offered);
    const elsewhere = [...Array(64).keys()].filter((i) => !mine.has(i)).slice(0, 2);
    for (const i of elsewhere) plan.peerHas(b, i);
    expect(plan.offers(b)).toEqual([]);
    expect(plan.offers(c)).toEqual([]);
    expect(plan.refill()).toEqual([]); // nothing freed yet
    // a reports one piece: b and c say nothing, yet c, the least complete, gets the slot now
    plan.peerHas(a, [...a.offered][0] as number);
    const got = plan.refill();
    expect(got.map(([p]) => p)).toEqual([c]);
    const pieces = (got[0] as [unknown, number[]])[1];
    expect(pieces.length).toBe(1);
    expect(c.offered.has(pieces[0] as number)).toBe(true);
    expect(plan.refill()).toEqual([]); // handed out once
    // the last block of a's other offer went out: c (1 offer, no pieces) is still the least complete
    plan.sent(a, [...a.offered][0] as number, 65_536, 65_536);
    expect(plan.refill().map(([p]) => p)).toEqual([c]);
    expect(b.offered.size).toBe(0);
    // on its own message, b (2 pieces) gets nothing while a less complete peer could take a slot
    plan.peerHas(c, [...c.offered][0] as number);
    expect(plan.offers(b)).toEqual([]);
    expect(plan.refill().map(([p]) => p)).toEqual([a]);
  });

  test("a peer that left frees its offers for the others; plain seeding needs no refill", () => {
    const plan = createSuperSeed({ pieces: 4, depth: 2, inFlight: 2, random: lcg(9) });
    const a = plan.addPeer();
    const b = plan.addPeer();
    const mine = plan.offers(a);
    expect(plan.offers(b)).toEqual([]);
    plan.removePeer(a);
    const got = plan.refill();
    expect(got.length).toBe(1);
    expect((got[0] as [unknown, number[]])[1].sort()).toEqual(mine.sort()); // a's offers, again
    for (let i = 0; i < 4; i++) plan.peerHas(b, i);
    expect(plan.plain).toBe(true);
    plan.removePeer(b);
    expect(plan.refill()).toEqual([]);
  });
});
