/**
 * The image's network configuration format, found in its tree when it is packed (NETFMT_RULES
 * in domain/boot/netfiles.ts, which the install script's fallback follows too) and recorded
 * on the packed version, so the install script carries only that format's files.
 */
import { lstatSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { NETFMT_RULES } from "../domain/boot/netfiles.ts";
import type { NetFormat } from "../domain/model.ts";
import { resolveInImage } from "./image-path.ts";

/** Whether `rel` is there in the image as `is` says; a link that leads out of it counts as absent. */
function present(root: string, rel: string, is: "dir" | "file" | "link"): boolean {
  try {
    if (is === "link") {
      // The name itself (an enablement link points at a unit the booted image resolves).
      const folder = resolveInImage(root, dirname(rel), "");
      return (
        folder !== undefined &&
        lstatSync(join(folder, rel.split("/").at(-1) as string), { throwIfNoEntry: false }) !== undefined
      );
    }
    const path = resolveInImage(root, rel, "");
    const info = path === undefined ? undefined : statSync(path, { throwIfNoEntry: false });
    return is === "dir" ? Boolean(info?.isDirectory()) : Boolean(info?.isFile());
  } catch {
    return false;
  }
}

export function detectNetFormat(root: string): NetFormat {
  const rule = NETFMT_RULES.find((r) => r.any.some((p) => present(root, p.path, p.is)));
  return rule?.fmt ?? "none";
}
