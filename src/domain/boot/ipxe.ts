/**
 * iPXE scripts (https://ipxe.org/scripting): the generic boot menu served at step=boot, and
 * the per-node script served at step=discovery (kernel + initrd with Luna's kernel arguments,
 * or a local boot). Pure renderers; golden files in test/fixtures/boot/.
 */
import { AppError } from "../errors.ts";
import { ipxeKernelLineProblem } from "../input-rules.ts";
import type { BootData } from "./boot-data.ts";
import { bootFileUrl, type Endpoint, lunaUrl } from "./urls.ts";

const NICS = Array.from({ length: 10 }, (_, i) => `\${net${i}/mac}`).join("|");

/** step=boot: collect MACs and the serial, ask for this machine's script, retry on 404, offer a menu. */
export function renderBootMenu(e: Endpoint): string {
  const luna = lunaUrl(e);
  return `#!ipxe
# Luna boot loader: sends this machine's MACs to the head node and boots what it answers.
set luna ${luna}
set hwdata \${smbios/serial}|${NICS}

:discover
echo Luna: asking ${luna} for this machine (serial \${smbios/serial}, MAC \${net0/mac})
chain --autofree \${luna}?step=discovery&hwdata=\${hwdata:uristring} || goto unknown

:unknown
echo Luna: this machine is not known to the head node yet.
echo Luna: retrying in 10 seconds; press m for the menu.
prompt --key m --timeout 10000 && goto menu || goto discover

:menu
menu Luna boot menu
item discover  Ask the head node again
item byname    Boot as a named node
item localboot Boot from the local disk
item shell     iPXE shell
item reboot    Reboot
choose --default discover --timeout 60000 target && goto \${target} || goto discover

:byname
echo -n Node name: && read nodename || goto menu
chain --autofree \${luna}?step=discovery&node=\${nodename:uristring}&hwdata=\${hwdata:uristring} || goto unknown

:localboot
iseq \${platform} efi && exit ||
sanboot --no-describe --drive 0x80 || goto menu

:shell
shell
goto menu

:reboot
reboot
`;
}

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

/** step=discovery answer for a known node. */
export function renderNodeBoot(d: BootData): string {
  if (d.localboot) return renderLocalBoot(d.name);
  return `#!ipxe
# Luna: ${d.name} (${d.hostname}) boots osimage ${d.image.name}${d.service ? " in service mode" : ""}
kernel ${bootFileUrl(d.endpoint, d.kernfile)} initrd=initrd ${kernelArgs(d)}
initrd --name initrd ${bootFileUrl(d.endpoint, d.initrdfile)}
boot
`;
}
