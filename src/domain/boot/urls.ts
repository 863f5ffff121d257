/**
 * The URL contract between the head node and booting nodes (docs/routes.md), in one place: the
 * server's routes, the iPXE scripts, the kernel command line and the install script are all
 * rendered from these functions, so they cannot drift apart.
 */
import type { Cluster } from "../model.ts";

export interface Endpoint {
  proto: "http" | "https";
  host: string;
  port: number;
}

export const endpointOf = (
  c: Pick<Cluster, "frontend_address" | "frontend_port" | "frontend_https">,
): Endpoint => ({
  proto: c.frontend_https ? "https" : "http",
  host: c.frontend_address,
  port: c.frontend_port,
});

export const baseUrl = (e: Endpoint): string =>
  `${e.proto}://${e.host.includes(":") ? `[${e.host}]` : e.host}:${e.port}`;
export const lunaUrl = (e: Endpoint): string => `${baseUrl(e)}/luna`;
export const bootStepUrl = (e: Endpoint): string => `${lunaUrl(e)}?step=boot`;
/** A node's credential as query parameters (empty when there is none, e.g. `luna node script`). */
const withToken = (token: string | undefined): string => (token ? `&token=${token}` : "");
export const installUrl = (e: Endpoint, node: string, token?: string): string =>
  `${lunaUrl(e)}?step=install&node=${encodeURIComponent(node)}${withToken(token)}`;
/** Status reports: the stage is appended by the node (`${LUNA_STATUS_URL}install.download`). */
export const statusUrl = (e: Endpoint, node: string, token?: string): string =>
  `${installUrl(e, node, token)}&status=`;
export const bootFileUrl = (e: Endpoint, file: string): string =>
  `${baseUrl(e)}/boot/${encodeURIComponent(file)}`;
/** The folder of iPXE builds for firmware that fetches over HTTP (UEFI HTTP boot), with the slash. */
export const ipxeFolderUrl = (e: Endpoint): string => `${baseUrl(e)}/ipxe/`;
export const torrentFileUrl = (e: Endpoint, file: string): string =>
  `${baseUrl(e)}/torrents/${encodeURIComponent(file)}`;
export const announceUrl = (e: Endpoint): string => `${baseUrl(e)}/announce`;
/** The announce URL a node's aria2c uses: its name and credential travel with every announce. */
export const nodeAnnounceUrl = (e: Endpoint, node: string, token?: string): string =>
  token ? `${announceUrl(e)}?node=${encodeURIComponent(node)}${withToken(token)}` : announceUrl(e);
/** `infohashHex` is sent as raw bytes, percent-encoded. */
export const scrapeUrl = (e: Endpoint, infohashHex: string): string =>
  `${baseUrl(e)}/scrape?info_hash=${infohashHex.replace(/../g, (b) => `%${b}`)}`;

/** The pattern a reported status must match. */
export const STATUS_RE = /^[a-z][a-z0-9_.-]{0,63}$/;
/** Longest hwdata we accept: 10 MACs, a serial and separators fit easily. */
export const MAX_HWDATA = 1024;
