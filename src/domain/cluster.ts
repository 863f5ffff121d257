/**
 * The single cluster document ('general'): naming of nodes, the frontend's address and ports,
 * tracker tuning and paths. Setting the frontend address reserves it in the network that
 * contains it, so it is never handed to a node.
 */
import { parseInteger, parseYesNo } from "./common.ts";
import { defaultsOf } from "./documents.ts";
import { AppError } from "./errors.ts";
import { checkBindPath } from "./input-rules.ts";
import type { Cluster } from "./model.ts";
import { canonicalIp } from "./net/ip.ts";
import { isReserved, networkContaining, release, reserve } from "./network.ts";
import { newId, type StoreWriter } from "./store.ts";

/** A new cluster's settings: every field but the id has a default in model.ts. */
export const clusterDefaults = (): Omit<Cluster, "id"> => defaultsOf("cluster") as Omit<Cluster, "id">;

/** Flags of `cluster init` / `cluster change`, as text from the command line. */
export type ClusterInput = Partial<
  Record<keyof Omit<Cluster, "id" | "name" | "dhcp_net" | "dhcp_range_start" | "dhcp_range_end">, string>
>;

const INT_KEYS = {
  nodedigits: [1, 10],
  frontend_port: [1, 65535],
  server_port: [1, 65535],
  tracker_interval: [1, 86400],
  tracker_min_interval: [1, 86400],
  tracker_maxpeers: [1, 100000],
  torrent_listen_port_min: [1, 65535],
  torrent_listen_port_max: [1, 65535],
} as const;

function apply(base: Cluster, input: ClusterInput): Cluster {
  const next: Cluster = { ...base };
  for (const [key, raw] of Object.entries(input) as [keyof ClusterInput, string | undefined][]) {
    if (raw === undefined) continue;
    if (key in INT_KEYS) {
      const [min, max] = INT_KEYS[key as keyof typeof INT_KEYS];
      (next as Record<string, unknown>)[key] = parseInteger(key, raw, min, max);
    } else if (key === "frontend_https") {
      next.frontend_https = parseYesNo(key, raw);
    } else if (key === "cluster_ips") {
      next.cluster_ips = raw.trim() === "" ? [] : raw.split(",").map((ip) => canonicalIp(ip));
    } else if (key === "frontend_address") {
      next.frontend_address = raw.trim() === "" ? "" : canonicalIp(raw);
    } else if (key === "nodeprefix") {
      if (!/^[A-Za-z][A-Za-z0-9_-]{0,30}$/.test(raw)) {
        throw new AppError(
          "INVALID_ARGUMENT",
          `Invalid node prefix '${raw}'`,
          "Use letters, digits, '-' or '_', starting with a letter",
        );
      }
      next.nodeprefix = raw;
    } else if (key === "named_zone_dir" || key === "named_include_file") {
      next[key] = checkBindPath(key, raw);
    } else if (key === "discovery_by_name") {
      if (raw !== "open" && raw !== "unbound" && raw !== "off") {
        throw new AppError(
          "INVALID_ARGUMENT",
          `Invalid discovery_by_name '${raw.slice(0, 40)}'`,
          "Use unbound (a node chosen by name in the boot menu is bound only if it has no MAC), open (any node) or off",
        );
      }
      next.discovery_by_name = raw;
    } else if (key === "path") {
      if (!raw.startsWith("/")) throw new AppError("INVALID_ARGUMENT", `Path '${raw}' is not absolute`);
      next.path = raw.replace(/\/+$/, "") || "/";
    } else {
      (next as Record<string, unknown>)[key] = raw;
    }
  }
  if (next.torrent_listen_port_min > next.torrent_listen_port_max) {
    throw new AppError("INVALID_ARGUMENT", "--torrent_listen_port_min is above --torrent_listen_port_max");
  }
  return next;
}

async function moveFrontend(tx: StoreWriter, from: string, to: string): Promise<void> {
  if (from === to) return;
  const nets = await tx.list("network");
  if (to) {
    const net = networkContaining(nets, to);
    if (net && !isReserved(net, to)) await tx.update("network", reserve(net, to).net);
    else if (net && net.ns_ip !== to) {
      throw new AppError("IP_TAKEN", `Address ${to} is already in use in network '${net.name}'`);
    }
  }
  if (from) {
    const net = networkContaining(await tx.list("network"), from);
    if (net && net.ns_ip !== from) await tx.update("network", release(net, from));
  }
}

export async function initCluster(tx: StoreWriter, input: ClusterInput, force: boolean): Promise<Cluster> {
  const existing = await tx.byName("cluster", "general");
  if (existing && !force) {
    throw new AppError(
      "CLUSTER_EXISTS",
      "The cluster is already initialised",
      "Use 'luna cluster change' to alter it, or 'luna cluster init --force' to reset its settings to the defaults",
    );
  }
  const base: Cluster = { id: existing?.id ?? newId(), ...clusterDefaults() };
  if (existing) {
    base.dhcp_net = existing.dhcp_net;
    base.dhcp_range_start = existing.dhcp_range_start;
    base.dhcp_range_end = existing.dhcp_range_end;
  }
  const cluster = apply(base, input);
  await moveFrontend(tx, existing?.frontend_address ?? "", cluster.frontend_address);
  if (existing) await tx.update("cluster", cluster);
  else await tx.insert("cluster", cluster);
  return cluster;
}

export async function changeCluster(tx: StoreWriter, input: ClusterInput): Promise<Cluster> {
  const current = await tx.byName("cluster", "general");
  if (!current) {
    throw new AppError(
      "CLUSTER_NOT_INITIALISED",
      "The cluster is not initialised",
      "Run 'luna cluster init' first",
    );
  }
  const next = apply(current, input);
  await moveFrontend(tx, current.frontend_address, next.frontend_address);
  await tx.update("cluster", next);
  return next;
}
