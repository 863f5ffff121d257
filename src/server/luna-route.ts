/**
 * `GET /luna?step=boot|discovery|install`: the node-facing control plane. Thin: it parses the
 * query, calls the domain, and renders with the pure renderers in domain/boot. Only discovery
 * and status reports write to the store; the install script (which holds the BMC password) is
 * served only to an address that belongs to the node unless that check is turned off.
 */

import { loadBootData } from "../domain/boot/boot-data.ts";
import {
  bootRequested,
  type DiscoverResult,
  discover,
  nodeByMac,
  type SwitchMatcher,
} from "../domain/boot/discovery.ts";
import { parseHwData } from "../domain/boot/hwdata.ts";
import { renderInstallScript } from "../domain/boot/install-script.ts";
import { renderBootMenu, renderNodeBoot } from "../domain/boot/ipxe.ts";
import { endpointOf } from "../domain/boot/urls.ts";
import { mustGet, requireCluster } from "../domain/common.ts";
import { AppError } from "../domain/errors.ts";
import { nodeAddresses } from "../domain/node.ts";
import { withStatus } from "../domain/status.ts";
import type { Store } from "../domain/store.ts";
import { text } from "./errors.ts";
import type { StatusBatcher } from "./status-batcher.ts";

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface LunaRouteOptions {
  store: Store;
  log: Logger;
  now: () => Date;
  /** refuse install scripts to addresses that are not the node's (default on) */
  secureInstall: boolean;
  bySwitch?: SwitchMatcher;
  counters: { installRefused: number; unknownNodes: number; statusReports: number };
  statuses: StatusBatcher;
}

const IPXE = "text/plain; charset=utf-8";
const stripMapped = (ip: string) => (ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip);

/** The head node itself (an admin running the seed README's curl checks) may read any script. */
const isLoopback = (ip: string) => ip === "::1" || /^127\./.test(ip);

export async function handleLuna(
  query: Record<string, string | undefined>,
  remoteIp: string,
  o: LunaRouteOptions,
): Promise<Response> {
  const ip = stripMapped(remoteIp);
  switch (query.step) {
    case "boot":
      return text(renderBootMenu(endpointOf(await requireCluster(o.store))), 200, IPXE);
    case "discovery":
      return discovery(query, ip, o);
    case "install":
      return install(query, ip, o);
    case undefined:
      throw new AppError("INVALID_ARGUMENT", "Missing step");
    default:
      throw new AppError("INVALID_ARGUMENT", `Unknown step '${String(query.step).slice(0, 40)}'`);
  }
}

async function discovery(
  query: Record<string, string | undefined>,
  ip: string,
  o: LunaRouteOptions,
): Promise<Response> {
  const hw = parseHwData(query.hwdata);
  if (query.node !== undefined && query.node.length > 64)
    throw new AppError("INVALID_ARGUMENT", "Node name too long");
  const now = o.now().toISOString();
  // A MAC already bound (every boot after the first) needs no binding: its boot.request joins
  // the group commit. Choosing by name, switch-port matching and unknown hardware take a
  // transaction of their own.
  const bound = query.node === undefined ? await nodeByMac(o.store, hw.macs) : undefined;
  const result: DiscoverResult = bound
    ? {
        found: true,
        how: "mac",
        node: await o.statuses.update(bound.name, (n) => bootRequested(n, ip, now)),
      }
    : await o.store.write((tx) =>
        discover(tx, {
          hw,
          remoteIp: ip,
          now,
          bySwitch: o.bySwitch,
          ...(query.node ? { node: query.node } : {}),
        }),
      );
  if (!result.found) {
    o.counters.unknownNodes++;
    o.log.warn("unknown hardware asked to boot", { macs: hw.macs, serial: hw.serial, ip });
    return text("unknown node\n", 404);
  }
  const data = await loadBootData(o.store, result.node);
  if (!data.localboot && (!data.kernfile || !data.initrdfile)) {
    o.log.error(
      `osimage ${data.image.name} has no kernel or initramfs; run 'luna osimage pack ${data.image.name}'`,
      { node: data.name },
    );
    return text(`osimage ${data.image.name} is not packed\n`, 503);
  }
  o.log.info("boot script served", { node: data.name, how: result.how, ip });
  return text(renderNodeBoot(data), 200, IPXE);
}

async function install(
  query: Record<string, string | undefined>,
  ip: string,
  o: LunaRouteOptions,
): Promise<Response> {
  const name = query.node;
  if (!name) throw new AppError("INVALID_ARGUMENT", "Missing node");
  if (name.length > 64) throw new AppError("INVALID_ARGUMENT", "Node name too long");
  const now = o.now().toISOString();
  if (query.status !== undefined) {
    await o.statuses.record(name, query.status, now);
    o.counters.statusReports++;
    return text("");
  }
  const node = await mustGet(o.store, "node", name);
  if (o.secureInstall && !isLoopback(ip) && !nodeAddresses(node).has(ip)) {
    o.counters.installRefused++;
    o.log.warn("install script refused: request does not come from the node", { node: name, ip });
    return text("install script is served only to the node itself\n", 403);
  }
  const data = await loadBootData(o.store, node);
  if (!data.image.version) {
    o.log.error(`osimage ${data.image.name} is not packed; run 'luna osimage pack ${data.image.name}'`, {
      node: name,
    });
    return text(`osimage ${data.image.name} is not packed\n`, 404);
  }
  // The version the node installs stays in use (not pruned) until it boots another.
  const version = `${data.image.id}:${data.image.version.version}`;
  await o.statuses.update(name, (n) => ({ ...withStatus(n, "install.request", now), imageversion: version }));
  return text(renderInstallScript(data), 200);
}
