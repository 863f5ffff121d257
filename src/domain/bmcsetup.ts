/**
 * BMC setups: the IPMI user, password and channels that the install script programs into a
 * node's BMC, and how power control reaches it (IPMI or Redfish, port, certificate policy).
 */
import { checkName, mustGet, parseInteger, parseYesNo, refuseIfUsed, requireCluster } from "./common.ts";
import { defaultsOf } from "./documents.ts";
import { AppError } from "./errors.ts";
import type { BmcSetup } from "./model.ts";
import { newId, type StoreWriter } from "./store.ts";

export interface BmcSetupInput {
  user?: string;
  password?: string;
  userid?: string;
  netchannel?: string;
  mgmtchannel?: string;
  protocol?: string;
  insecure?: string;
  port?: string;
  /** a cipher suite number, or '' / auto for ipmitool's own choice */
  cipher?: string;
  comment?: string;
}

export type BmcProtocol = "ipmi" | "redfish";

/** The power-control settings, with the protocol's own port for port 0. */
export function bmcAccessOf(b: BmcSetup): {
  protocol: BmcProtocol;
  insecure: boolean;
  port: number;
  cipher: number | null;
} {
  return {
    protocol: b.protocol,
    insecure: b.insecure,
    port: b.port || (b.protocol === "ipmi" ? 623 : 443),
    cipher: b.cipher ?? null,
  };
}

function apply(base: BmcSetup, input: BmcSetupInput): BmcSetup {
  const next = { ...base };
  if (input.user !== undefined) {
    if (!/^[^\s:]{1,16}$/.test(input.user))
      throw new AppError(
        "INVALID_ARGUMENT",
        `Invalid BMC user '${input.user}'`,
        "Use 1-16 characters without spaces",
      );
    next.user = input.user;
  }
  if (input.password !== undefined) {
    if (input.password.length === 0 || input.password.length > 20) {
      throw new AppError("INVALID_ARGUMENT", "Invalid BMC password", "IPMI passwords are 1-20 characters");
    }
    next.password = input.password;
  }
  if (input.userid !== undefined) next.userid = parseInteger("userid", input.userid, 1, 63);
  if (input.netchannel !== undefined) next.netchannel = parseInteger("netchannel", input.netchannel, 0, 15);
  if (input.mgmtchannel !== undefined)
    next.mgmtchannel = parseInteger("mgmtchannel", input.mgmtchannel, 0, 15);
  if (input.protocol !== undefined) {
    const p = input.protocol.trim().toLowerCase();
    if (p !== "ipmi" && p !== "redfish") {
      throw new AppError("INVALID_ARGUMENT", `Invalid protocol '${input.protocol}'`, "Use ipmi or redfish");
    }
    next.protocol = p;
  }
  if (input.insecure !== undefined) next.insecure = parseYesNo("insecure", input.insecure);
  if (input.port !== undefined) next.port = parseInteger("port", input.port, 0, 65535);
  if (input.cipher !== undefined) {
    const auto = input.cipher.trim() === "" || input.cipher.trim().toLowerCase() === "auto";
    if (auto) delete next.cipher;
    else next.cipher = parseInteger("cipher", input.cipher, 0, 255);
  }
  if (input.comment !== undefined) next.comment = input.comment;
  return next;
}

export async function addBmcSetup(tx: StoreWriter, name: string, input: BmcSetupInput): Promise<BmcSetup> {
  await requireCluster(tx);
  checkName("bmcsetup", name);
  if (await tx.byName("bmcsetup", name))
    throw new AppError("ALREADY_EXISTS", `A bmcsetup named '${name}' already exists`);
  const doc = apply(
    {
      id: newId(),
      name,
      user: "ladmin",
      password: "ladmin",
      userid: 3,
      netchannel: 1,
      mgmtchannel: 1,
      ...(defaultsOf("bmcsetup") as Pick<BmcSetup, "protocol" | "insecure" | "port">),
      comment: "",
    },
    input,
  );
  await tx.insert("bmcsetup", doc);
  return doc;
}

export async function changeBmcSetup(tx: StoreWriter, name: string, input: BmcSetupInput): Promise<BmcSetup> {
  const doc = apply(await mustGet(tx, "bmcsetup", name), input);
  await tx.update("bmcsetup", doc);
  return doc;
}

export async function deleteBmcSetup(tx: StoreWriter, name: string): Promise<void> {
  const doc = await mustGet(tx, "bmcsetup", name);
  await refuseIfUsed(tx, "bmcsetup", doc.id, name);
  await tx.remove("bmcsetup", doc.id);
}
