/**
 * The 95luna dracut module (node/dracut/95luna), embedded in the binary as text and
 * written into an image before dracut runs there, so a head node needs nothing but `luna`.
 * The folder is replaced whole: files of an older module version never linger in an image.
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import dhcpScript from "../../node/dracut/95luna/luna-dhcp-script.sh" with { type: "text" };
import installLib from "../../node/dracut/95luna/luna-install-lib.sh" with { type: "text" };
import lib from "../../node/dracut/95luna/luna-lib.sh" with { type: "text" };
import loader from "../../node/dracut/95luna/luna-loader.sh" with { type: "text" };
import netLib from "../../node/dracut/95luna/luna-net-lib.sh" with { type: "text" };
import parseCmdline from "../../node/dracut/95luna/luna-parse-cmdline.sh" with { type: "text" };
import prePivot from "../../node/dracut/95luna/luna-pre-pivot.sh" with { type: "text" };
import setup from "../../node/dracut/95luna/module-setup.sh" with { type: "text" };
import { folderInImage } from "./image-path.ts";

/** Where dracut looks for modules, relative to the image root (dracut's dracutbasedir). */
export const DRACUT_MODULES_DIR = "usr/lib/dracut/modules.d";

/**
 * Path relative to modules.d → text and mode. Hooks, module-setup.sh and the DHCP script are
 * executable; the function libraries are only sourced.
 */
export const DRACUT_MODULE_FILES: Record<string, { text: string; mode: number }> = {
  "95luna/module-setup.sh": { text: setup, mode: 0o755 },
  "95luna/luna-lib.sh": { text: lib, mode: 0o644 },
  "95luna/luna-net-lib.sh": { text: netLib, mode: 0o644 },
  "95luna/luna-install-lib.sh": { text: installLib, mode: 0o644 },
  "95luna/luna-dhcp-script.sh": { text: dhcpScript, mode: 0o755 },
  "95luna/luna-parse-cmdline.sh": { text: parseCmdline, mode: 0o755 },
  "95luna/luna-loader.sh": { text: loader, mode: 0o755 },
  "95luna/luna-pre-pivot.sh": { text: prePivot, mode: 0o755 },
};

/**
 * Writes the module into `<imageRoot>/usr/lib/dracut/modules.d/95luna/` (replacing what was
 * there) and returns the paths written. The mode is set with chmod, not at creation, so the
 * process umask cannot strip the executable bits. The folder is resolved inside the image, so
 * a link on the way (`usr/lib/dracut -> /etc`) cannot make pack write into the head node.
 */
export function writeDracutModule(imageRoot: string): string[] {
  const modulesDir = folderInImage(
    imageRoot,
    DRACUT_MODULES_DIR,
    "Fix the link in the image, or give an initramfs with --initrdfile FILE",
  );
  rmSync(join(modulesDir, "95luna"), { recursive: true, force: true });
  const written: string[] = [];
  for (const [rel, { text, mode }] of Object.entries(DRACUT_MODULE_FILES)) {
    const path = join(modulesDir, rel);
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, text);
    chmodSync(path, mode);
    written.push(path);
  }
  return written;
}
