/**
 * The per-node install script (step=install): a header of shell variables rendered from the
 * node's BootData, followed by the fixed body in install-body.sh (checked by shellcheck).
 * Values are single-quoted, so nothing stored in luna is ever evaluated by the node's shell
 * except the group's scripts, which run as scripts on purpose.
 */

import body from "../../../node/install-body.sh" with { type: "text" };
import type { NetFormat } from "../model.ts";
import type { BootData } from "./boot-data.ts";
import { BOOTIF_MARK, NET_FILE_FORMATS, renderNetFiles } from "./netfiles.ts";
import { lunaUrl, nodeAnnounceUrl, scrapeUrl, statusUrl, torrentFileUrl } from "./urls.ts";

/** POSIX single-quoting: 'it'\''s'. */
export const shQuote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * The network files as shell functions, one per format, each writing its files from quoted
 * here-documents (nothing in them is expanded); the body calls the one for the image's format.
 * Only the format found at pack time is rendered; all four for older packs, which have none.
 */
export function renderNetSection(
  d: Pick<BootData, "interfaces" | "mac" | "bootIf">,
  recorded?: NetFormat,
): string {
  const formats = recorded === undefined ? NET_FILE_FORMATS : NET_FILE_FORMATS.filter((f) => f === recorded);
  const rendered = formats.map((fmt) => ({ fmt, ...renderNetFiles(d, fmt) }));
  const texts = rendered.flatMap((r) => r.files.map((f) => f.text));
  // A here-document ends at a line equal to its word: pick one no file has as a line.
  let eof = "LUNA_NETFILE";
  for (let n = 1; texts.some((t) => t.split("\n").includes(eof)); n++) eof = `LUNA_NETFILE_${n}`;
  const out = [
    "# The image's network format, found when it was packed ('' for older packs: the body looks).",
    `LUNA_NETFMT=${shQuote(recorded ?? "")}`,
    `# Network files rendered by luna; ${BOOTIF_MARK} stands for the name of the NIC with LUNA_MAC.`,
  ];
  for (const r of rendered) {
    // A function needs a command: `:` when the group has no interface to write.
    out.push(`luna_netfiles_${r.fmt}() {`, ...(r.files.length + r.notes.length === 0 ? ["  :"] : []));
    for (const f of r.files)
      out.push(`  luna_netfile ${f.mode} ${shQuote(f.path)} <<'${eof}'`, `${f.text}${eof}`);
    for (const note of r.notes) out.push(`  luna_log ${shQuote(note)}`);
    out.push("}");
  }
  return out.join("\n");
}

export function renderInstallScript(d: BootData): string {
  const v = d.image.version;
  const lines = [
    "#!/bin/bash",
    `# Luna install script for ${d.name}, rendered by the luna daemon. Runs in the initramfs (95luna).`,
    "# Values are single-quoted on purpose; some are there for the group's scripts to use.",
    "# shellcheck disable=SC2016,SC2034",
    `LUNA_URL=${shQuote(lunaUrl(d.endpoint))}`,
    `LUNA_NODE=${shQuote(d.name)}`,
    `LUNA_HOSTNAME=${shQuote(d.hostname)}`,
    `LUNA_MAC=${shQuote(d.mac)}`,
    `LUNA_TOKEN=${shQuote(d.token ?? "")}`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell default, not a JS template
    'LUNA_ROOT="${LUNA_ROOT:-/sysroot}"',
    `LUNA_IMAGE=${shQuote(d.image.name)}`,
    `LUNA_IMAGE_VERSION=${shQuote(String(v?.version ?? ""))}`,
    `LUNA_TARBALL_URL=${shQuote(v ? torrentFileUrl(d.endpoint, v.tarball) : "")}`,
    `LUNA_TORRENT_URL=${shQuote(v ? torrentFileUrl(d.endpoint, v.torrent) : "")}`,
    `LUNA_STATUS_URL=${shQuote(statusUrl(d.endpoint, d.name, d.token))}`,
    `LUNA_TRACKER_URL=${shQuote(nodeAnnounceUrl(d.endpoint, d.name, d.token))}`,
    `LUNA_SCRAPE_URL=${shQuote(v ? scrapeUrl(d.endpoint, v.infohash) : "")}`,
    `LUNA_TARBALL=${shQuote(v?.tarball ?? "")}`,
    `LUNA_METHOD=${shQuote(d.method)}`,
    `LUNA_SEED_TAIL=${d.seedTail}`,
    `LUNA_BOOT_IF=${shQuote(d.bootIf?.name ?? "")}`,
    `LUNA_TORRENT_IF=${shQuote(d.torrentIf)}`,
    `LUNA_SETUPBMC=${d.setupbmc && d.bmc ? 1 : 0}`,
    `LUNA_BMC_IP=${shQuote(d.bmc?.ip ?? "")}`,
    `LUNA_BMC_NETMASK=${shQuote(d.bmc?.netmask ?? "")}`,
    `LUNA_BMC_USER=${shQuote(d.bmc?.user ?? "")}`,
    `LUNA_BMC_PASSWORD=${shQuote(d.bmc?.password ?? "")}`,
    `LUNA_BMC_USERID=${shQuote(String(d.bmc?.userid ?? ""))}`,
    `LUNA_BMC_NETCHANNEL=${shQuote(String(d.bmc?.netchannel ?? ""))}`,
    `LUNA_BMC_MGMTCHANNEL=${shQuote(String(d.bmc?.mgmtchannel ?? ""))}`,
    renderNetSection(d, v?.netfmt),
    `LUNA_PRESCRIPT=${shQuote(d.prescript)}`,
    `LUNA_PARTSCRIPT=${shQuote(d.partscript)}`,
    `LUNA_POSTSCRIPT=${shQuote(d.postscript)}`,
    "",
  ];
  return lines.join("\n") + body;
}
