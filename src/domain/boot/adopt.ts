/**
 * `luna node unknown --adopt MAC`: the operator's way to give unknown hardware a node (the
 * boot menu and the switch poller never take a MAC from a node that has one). The MAC is bound
 * to the named node (replacing the MAC it had: the operator decides), or to a new node in a
 * group with the next free name; where the switch poller saw the hardware, the node gets that
 * switch and port too. The unknown entry is forgotten.
 */
import { mustGet, normaliseMac } from "../common.ts";
import { AppError } from "../errors.ts";
import type { Node } from "../model.ts";
import { addNodes, setMac } from "../node.ts";
import type { StoreWriter } from "../store.ts";

export interface AdoptInput {
  mac: string;
  /** an existing node */
  node?: string;
  /** a group: a new node with the next free name */
  group?: string;
}

export async function adoptUnknown(tx: StoreWriter, input: AdoptInput): Promise<Node> {
  const mac = normaliseMac(input.mac);
  if ((input.node === undefined) === (input.group === undefined)) {
    throw new AppError(
      "INVALID_ARGUMENT",
      "--adopt needs one of -n NODE or -g GROUP",
      "Give exactly one of them",
    );
  }
  const unknown = (await tx.list("unknown")).find((u) => u.macs.includes(mac));
  if (!unknown) {
    throw new AppError(
      "NOT_FOUND",
      `No unknown hardware with MAC ${mac}`,
      "See 'luna node unknown'; to set a node's MAC directly use 'luna node change -n NODE --mac MAC'",
    );
  }
  let node = input.node !== undefined ? await mustGet(tx, "node", input.node) : undefined;
  if (!node) node = (await addNodes(tx, input.group as string))[0] as Node;
  node = await setMac(tx, node, mac);
  if (unknown.switch && unknown.port) node = { ...node, switch: unknown.switch, port: unknown.port };
  await tx.update("node", node);
  await tx.remove("unknown", unknown.id);
  return node;
}
