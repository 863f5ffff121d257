/**
 * The checks on cluster-sim's numeric options (shared by scripts/cluster-sim.ts, the boot-storm
 * bench and runClusterSim), apart from the emulation so that they load without it.
 */

/** The numbers of SimOptions (cluster-sim.ts) that the check looks at. */
export interface SimNumbers {
  nodes: number;
  sizeMB: number;
  seedTail: number;
  nodeMbit: number;
  headMbit: number;
  timeoutSec: number;
  method?: string;
  unshapedControl?: boolean;
  noShaping?: boolean;
  faults?: readonly string[];
}

/**
 * What is wrong with the options, as one line for the operator, or undefined. Checked before
 * anything is made: a rate the daemon cannot take (its config's link_mbit is a whole number)
 * used to leave the daemon down and every node spinning until the timeout, with NaN results.
 */
export function simOptionsError(o: SimNumbers): string | undefined {
  const whole = (name: string, v: number, min: number) =>
    Number.isInteger(v) && v >= min ? undefined : `--${name} takes a whole number >= ${min} (got ${v})`;
  return (
    whole("nodes", o.nodes, 1) ??
    whole("node-mbit", o.nodeMbit, 1) ??
    whole("head-mbit", o.headMbit, 1) ??
    whole("seed-tail", o.seedTail, 0) ??
    whole("timeout", o.timeoutSec, 1) ??
    (Number.isFinite(o.sizeMB) && o.sizeMB > 0
      ? undefined
      : `--size takes a size in MiB above 0 (got ${o.sizeMB})`) ??
    unshapedError(o)
  );
}

/** --unshaped-control takes the daemon's port out of the head's shaper: never the image itself. */
function unshapedError(o: SimNumbers): string | undefined {
  if (!o.unshapedControl) return undefined;
  if (o.method === "http")
    return "--unshaped-control cannot go with --method http: the image itself comes from the daemon's port";
  if (o.noShaping) return "--unshaped-control needs shaping (drop --no-shaping)";
  if (o.faults?.includes("netem")) return "--unshaped-control cannot go with --fault netem";
  // After a seeder kill the nodes fall back to the web seed: the image itself on the daemon's port.
  if (o.faults?.includes("seeder-kill")) return "--unshaped-control cannot go with --fault seeder-kill";
  return undefined;
}
