/**
 * `GET /luna?step=boot|discovery|install`: the node-facing control plane. Thin: it parses the
 * query, calls the domain, and renders with the pure renderers in domain/boot. Only discovery
 * and status reports write to the store. Discovery issues the node a per-boot credential
 * (domain/boot/credential.ts) on its kernel command line; the install script (which holds the
 * BMC password) and status reports need it, from the address the node booted from — unless
 * the daemon runs with --insecure-install. There is no exemption for loopback: an operator
 * reads a node's script with `luna node script`.
 */

import { loadBootData } from "../domain/boot/boot-data.ts";
import {
  CREDENTIAL_ERRORS,
  type CredentialCheck,
  checkCredential,
  credentialAfter,
  issueCredential,
  newToken,
  tokenHash,
} from "../domain/boot/credential.ts";
import { bootRequested, type DiscoverResult, discover, nodeByMac } from "../domain/boot/discovery.ts";
import { parseHwData } from "../domain/boot/hwdata.ts";
import { renderInstallScript } from "../domain/boot/install-script.ts";
import { renderBootMenu, renderNodeBoot } from "../domain/boot/ipxe.ts";
import { renderNotPackedAnswer, renderProblem, renderUnknownAnswer } from "../domain/boot/ipxe-menu.ts";
import { endpointOf } from "../domain/boot/urls.ts";
import { mustGet, requireCluster } from "../domain/common.ts";
import { AppError } from "../domain/errors.ts";
import type { Node } from "../domain/model.ts";
import { checkStatus, withStatus } from "../domain/status.ts";
import { text } from "./errors.ts";
import type { LunaRouteOptions } from "./luna-options.ts";

export type { LunaRouteOptions } from "./luna-options.ts";

const IPXE = "text/plain; charset=utf-8";

/** "Not packed" reads the same on discovery and install (503: the head node must act). */
const notPackedText = (image: string) => `osimage ${image} is not packed: run 'luna osimage pack ${image}'\n`;
function notPacked(image: string, node: string, o: LunaRouteOptions): void {
  o.log.error(`osimage ${image} is not packed; run 'luna osimage pack ${image}'`, { node });
}
const stripMapped = (ip: string) => (ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip);

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

const checkName = (name: string | undefined): string => {
  if (!name) throw new AppError("INVALID_ARGUMENT", "Missing node");
  if (name.length > 64) throw new AppError("INVALID_ARGUMENT", "Node name too long");
  return name;
};

/** A bound node asks from the address its boot interface has (its DHCP fixed lease). */
function wrongAddress(node: Node, bootIf: string | undefined, ip: string): string | undefined {
  const own = bootIf ? node.interfaces[bootIf]?.ip4 : undefined;
  if (!own || !/^\d+\.\d+\.\d+\.\d+$/.test(ip) || own === ip) return undefined;
  return `${node.name} asked from ${ip}, but its boot interface ${bootIf} has ${own}`;
}

async function discovery(
  query: Record<string, string | undefined>,
  ip: string,
  o: LunaRouteOptions,
): Promise<Response> {
  const hw = parseHwData(query.hwdata);
  if (query.node !== undefined) checkName(query.node);
  const now = o.now().toISOString();
  const token = (o.newToken ?? newToken)();
  const credential = { hash: tokenHash(token), ip, now };
  const bound = query.node === undefined ? await nodeByMac(o.store, hw.macs) : undefined;
  let result: DiscoverResult;
  if (bound) {
    // A MAC already bound (every boot after the first): checked against the node's own
    // address, then its boot.request and credential join the group commit.
    const data = await loadBootData(o.store, bound);
    const check = o.secureInstall && o.bootAddressCheck !== false;
    const wrong = check ? wrongAddress(bound, data.bootIf?.name, ip) : undefined;
    if (wrong) {
      refused(o, "boot-address");
      o.log.warn("boot refused: a bound MAC asked from another address than its node's", {
        node: bound.name,
        ip,
      });
      const fix = "run 'luna cluster makedhcp' and restart the DHCP server";
      if (query.reply === "script")
        return text(renderProblem(data.endpoint, [`${wrong}:`, `${fix}.`], 30), 200, IPXE);
      return text(`${wrong}: ${fix}\n`, 403);
    }
    // A node that boots from its disk needs no credential (and must not count as a re-issue).
    const node = await o.statuses.update(bound.name, (n) =>
      n.localboot
        ? bootRequested(n, ip, now)
        : { ...bootRequested(n, ip, now), credential: issueCredential(n, credential) },
    );
    result = { found: true, how: "mac", node };
  } else {
    const cluster = await requireCluster(o.store);
    result = await o.store.write(async (tx) => {
      const r = await discover(tx, {
        hw,
        remoteIp: ip,
        now,
        bySwitch: o.bySwitch,
        byName: cluster.discovery_by_name,
        ...(query.node ? { node: query.node } : {}),
      });
      if (!r.found || r.node.localboot) return r;
      const node = { ...r.node, credential: issueCredential(r.node, credential) };
      await tx.update("node", node);
      return { ...r, node };
    });
  }
  if (!result.found) {
    o.counters.unknownNodes++;
    o.unknownLog({ macs: hw.macs, serial: hw.serial, ip, why: result.why, stored: result.unknown !== null });
    if (query.reply === "script") {
      const e = endpointOf(await requireCluster(o.store));
      return text(renderUnknownAnswer(e, { why: result.why, mac: hw.macs[0] as string }), 200, IPXE);
    }
    return text(`unknown node: ${result.why}\n`, 404);
  }
  const cred = result.node.credential;
  if (cred && cred.reissued > 0) {
    o.log.warn("boot credential re-issued while the previous one was still valid", {
      node: result.node.name,
      ip,
      previous_ip: cred.previous_ip,
      reissued: cred.reissued,
    });
  }
  const data = await loadBootData(o.store, result.node);
  if (!data.localboot && (!data.kernfile || !data.initrdfile)) {
    notPacked(data.image.name, data.name, o);
    if (query.reply === "script") {
      return text(
        renderNotPackedAnswer(data.endpoint, { node: data.name, image: data.image.name }),
        200,
        IPXE,
      );
    }
    return text(notPackedText(data.image.name), 503);
  }
  o.log.info("boot script served", { node: data.name, how: result.how, ip });
  return text(renderNodeBoot({ ...data, token }), 200, IPXE);
}

function refused(o: LunaRouteOptions, reason: string): void {
  o.counters.installRefused++;
  const by = o.counters.refusedBy;
  if (by) by[reason] = (by[reason] ?? 0) + 1;
}

/** Throws FORBIDDEN unless the request carries the node's credential from its boot address. */
function authorise(
  node: Node,
  query: Record<string, string | undefined>,
  ip: string,
  o: LunaRouteOptions,
): void {
  if (!o.secureInstall) return;
  const check: CredentialCheck = checkCredential(node.credential, {
    token: query.token,
    ip,
    now: o.now(),
    forScript: query.status === undefined,
  });
  if (check === "ok") return;
  refused(o, check);
  o.log.warn("node request refused", { node: node.name, ip, reason: check, step: query.status ?? "install" });
  throw new AppError("FORBIDDEN", `Refused for ${node.name}: ${CREDENTIAL_ERRORS[check]}`);
}

async function install(
  query: Record<string, string | undefined>,
  ip: string,
  o: LunaRouteOptions,
): Promise<Response> {
  const name = checkName(query.node);
  const now = o.now().toISOString();
  if (query.status !== undefined) {
    const step = checkStatus(query.status);
    const reported = await o.statuses.update(name, (n) => {
      authorise(n, query, ip, o);
      return credentialAfter(withStatus(n, step, now), step, now);
    });
    o.counters.statusReports++;
    o.onStage?.(reported);
    return text("");
  }
  const node = await mustGet(o.store, "node", name);
  authorise(node, query, ip, o);
  const data = await loadBootData(o.store, node);
  if (!data.image.version) {
    notPacked(data.image.name, name, o);
    return text(notPackedText(data.image.name), 503);
  }
  // The version the node installs stays in use (not pruned) until it boots another.
  const version = `${data.image.id}:${data.image.version.version}`;
  const requested = await o.statuses.update(name, (n) => ({
    ...withStatus(n, "install.request", now),
    imageversion: version,
  }));
  o.onStage?.(requested);
  return text(renderInstallScript({ ...data, token: query.token ?? "" }), 200);
}
