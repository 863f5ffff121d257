/**
 * iPXE scripts (https://ipxe.org/scripting): the generic boot menu served at step=boot, and
 * the per-node script served at step=discovery (kernel + initrd with Luna's kernel arguments,
 * or a local boot). Pure renderers; golden files in test/fixtures/boot/.
 */
import { AppError } from "../errors.ts";
import { ipxeKernelLineProblem } from "../input-rules.ts";
import type { BootData } from "./boot-data.ts";
import { bootFileUrl, bootStepUrl, lunaUrl } from "./urls.ts";

export { renderBootMenu } from "./ipxe-menu.ts";

/** The kernel command line: root=luna hands control to the 95luna dracut module. */
export function kernelArgs(d: BootData): string {
  const args = [
    `root=luna`,
    `luna.url=${lunaUrl(d.endpoint)}`,
    `luna.node=${d.name}`,
    `luna.hostname=${d.hostname}`,
  ];
  const staticBoot = d.mac !== "" && d.bootIf !== null && d.bootIf.ip4 !== "";
  if (d.mac) args.push(`luna.mac=${d.mac}`);
  if (staticBoot && d.bootIf) args.push(`luna.ip=${d.bootIf.ip4}/${d.bootIf.prefix4}`);
  args.push(`luna.bootproto=${staticBoot ? "static" : "dhcp"}`, `luna.service=${d.service ? 1 : 0}`);
  const extra = d.kernopts.trim();
  // Checked when set; checked again here for values stored by older versions (input-rules.ts).
  const problem = ipxeKernelLineProblem(extra);
  if (problem) {
    throw new AppError(
      "CONFIG_INVALID",
      `Refusing to render the boot script of ${d.name}: its kernel options contain ${problem}`,
      "Set them again with 'luna osimage change --kernopts' or 'luna group change --kernopts'",
    );
  }
  if (d.token) args.push(`luna.token=${d.token}`);
  if (extra) args.push(extra);
  return args.join(" ");
}

export function renderLocalBoot(name: string): string {
  return `#!ipxe
# Luna: ${name} boots from its local disk (localboot=y)
iseq \${platform} efi && exit ||
sanboot --no-describe --drive 0x80
`;
}

/** Tries to fetch the kernel and initramfs before starting over at the boot menu. */
const FETCH_TRIES = 5;

/** step=discovery answer for a known node: fetches retried with a pause that grows, then over. */
export function renderNodeBoot(d: BootData): string {
  if (d.localboot) return renderLocalBoot(d.name);
  return `#!ipxe
# Luna: ${d.name} (${d.hostname}) boots osimage ${d.image.name}${d.service ? " in service mode" : ""}
set tries 0
:fetch
kernel --name kernel ${bootFileUrl(d.endpoint, d.kernfile)} initrd=initrd ${kernelArgs(d)} || goto failed
initrd --name initrd ${bootFileUrl(d.endpoint, d.initrdfile)} || goto failed
boot || goto failed

:failed
imgfree kernel ||
imgfree initrd ||
inc tries
iseq \${tries} ${FETCH_TRIES} && goto over ||
echo Luna: could not download the kernel or initramfs of ${d.name} (error \${errno}, try \${tries} of ${FETCH_TRIES}); next try in \${tries}0 s
sleep \${tries}0
goto fetch

:over
echo Luna: giving up on this download; starting over with the head node in 30 s
sleep 30
chain --autofree ${bootStepUrl(d.endpoint)}
`;
}
