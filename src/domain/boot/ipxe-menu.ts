/**
 * The iPXE boot loader served at step=boot, and the short scripts discovery answers it with
 * when there is nothing to boot yet (`&reply=script`): iPXE cannot tell an HTTP 404 from a
 * dead server, so the daemon says what is wrong in a script that prints it and comes back
 * here, and a failed `chain` always means the head node did not answer. Retries back off from
 * 5 s to 60 s; `m` opens the menu at any wait. Golden files in test/fixtures/boot/.
 */
import { bootStepUrl, type Endpoint, lunaUrl } from "./urls.ts";

const NICS = Array.from({ length: 10 }, (_, i) => `\${net${i}/mac}`).join("|");

/** Sets `wait` (seconds) from `tries`: 5, 10, 20, 40, then 60. */
const BACKOFF = [
  "set wait 60",
  ...[5, 10, 20, 40].map((secs, i) => `iseq \${tries} ${i + 1} && set wait ${secs} ||`),
].join("\n");

/** step=boot: collect MACs and the serial, ask for this machine's script, retry, offer a menu. */
export function renderBootMenu(e: Endpoint): string {
  const luna = lunaUrl(e);
  return `#!ipxe
# Luna boot loader: sends this machine's MACs to the head node and boots what it answers.
set luna ${luna}
set hwdata \${smbios/serial}|${NICS}
isset \${tries} || set tries 0
isset \${luna_menu} && goto menu ||

:discover
echo Luna: asking ${luna} for this machine (serial \${smbios/serial}, MAC \${net0/mac})
chain --autofree \${luna}?step=discovery&hwdata=\${hwdata:uristring}&reply=script || goto unreachable

:unreachable
inc tries
${BACKOFF}
echo Luna: the head node at ${luna} did not answer (error \${errno}, try \${tries}).
echo Luna: asking again in \${wait} s; press m for the menu.
prompt --key m --timeout \${wait}000 && goto menu || goto discover

:menu
clear luna_menu
menu Luna boot menu
item discover  Ask the head node again
item byname    Boot as a named node
item localboot Boot from the local disk
item shell     iPXE shell
item reboot    Reboot
choose --default discover --timeout 60000 target && goto \${target} || goto discover

:byname
echo -n Node name: && read nodename || goto menu
chain --autofree \${luna}?step=discovery&node=\${nodename:uristring}&hwdata=\${hwdata:uristring}&reply=script || goto unreachable

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

/** iPXE `echo` text: one line, no setting expansion of what the daemon says. */
const say = (text: string) => `echo Luna: ${text.replace(/[\r\n]+/g, " ").replace(/[{}]/g, "")}`;

/** Prints `lines`, waits `seconds` (m: the menu), then starts over at step=boot. */
export function renderProblem(e: Endpoint, lines: string[], seconds: number): string {
  const boot = bootStepUrl(e);
  return `#!ipxe
${lines.map(say).join("\n")}
echo Luna: asking again in ${seconds} s; press m for the menu.
prompt --key m --timeout ${seconds}000 && set luna_menu 1 ||
chain --autofree ${boot}
`;
}

/** Discovery found no node for this machine (reply=script). */
export function renderUnknownAnswer(e: Endpoint, o: { why: string; mac: string }): string {
  return renderProblem(
    e,
    [
      `this machine (MAC ${o.mac}) is not known to the head node: ${o.why}.`,
      `On the head node: luna node unknown --adopt ${o.mac} -n NODE (or -g GROUP).`,
    ],
    10,
  );
}

/** The node's osimage has no packed version, kernel or initramfs (reply=script). */
export function renderNotPackedAnswer(e: Endpoint, o: { node: string; image: string }): string {
  return renderProblem(
    e,
    [
      `${o.node} boots osimage ${o.image}, which is not packed.`,
      `On the head node: luna osimage pack ${o.image}`,
    ],
    30,
  );
}
