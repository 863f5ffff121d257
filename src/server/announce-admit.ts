/**
 * Who may join a swarm through the tracker: a node announcing with the boot credential it got
 * at discovery (`?node=NAME&token=HEX` on its announce URL, from the address the credential
 * was issued to), or a peer on the head node itself (loopback: its own seeders and local test
 * leechers — a loopback peer is useless to nodes, so this grants nothing on the network).
 */
import { checkCredential } from "../domain/boot/credential.ts";
import { isLoopback } from "../domain/net/ip.ts";
import type { Store } from "../domain/store.ts";

export interface AnnounceClaim {
  ip: string;
  node?: string;
  token?: string;
}

export function announceAdmitter(store: Store, o: { secure: boolean; now: () => Date }) {
  return async (a: AnnounceClaim): Promise<boolean> => {
    if (!o.secure) return true;
    if (a.node === undefined || a.token === undefined) return isLoopback(a.ip);
    const node = await store.byName("node", a.node);
    return checkCredential(node?.credential, { token: a.token, ip: a.ip, now: o.now() }) === "ok";
  };
}
