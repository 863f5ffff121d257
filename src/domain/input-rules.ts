/**
 * Rules for operator text that lands inside another format: kernel options (the iPXE `kernel`
 * line), the paths makedns puts into named.conf, and the name server's DNS label. Each check
 * names the offending character and the fix; the renderers re-check what they paste, so a value
 * stored by an older luna cannot change the meaning of what they write either.
 */
import { AppError } from "./errors.ts";

/** A character as a person reads it in an error message. */
export function describeChar(c: string): string {
  if (c === "\n" || c === "\r") return "a line break";
  if (c === "\t") return "a tab";
  if (c === " ") return "a space";
  const code = c.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return `the control character U+${code.toString(16).padStart(4, "0")}`;
  return `'${c}'`;
}

/**
 * Why a character may not be in kernel options, or undefined when it may. The options end the
 * iPXE line `kernel URL initrd=initrd ... OPTIONS` (https://ipxe.org/scripting), where iPXE
 * (src/core/exec.c, src/image/script.c) reads a whole word `;`, `&&` or `||` as the end of one
 * command and the start of another, a word starting with `#` as a comment, a line break as the
 * next script line and a backslash at the end of a line as "join the next line". None of these
 * characters has a use on a Linux command line, so each is refused anywhere, not only where
 * iPXE would act on it today.
 *
 * `${...}` stays allowed: iPXE expands settings (e.g. `BOOTIF=01-${net0/mac:hexhyp}`, a common
 * idiom) only after it has split the line into commands and words, so an expanded value can
 * neither start a command nor add a word; it only reveals this machine's own iPXE settings to
 * this machine's own kernel.
 */
function kernelCharProblem(c: string): string | undefined {
  const code = c.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return "iPXE would start a new script line there";
  if (c === ";" || c === "&" || c === "|") return "iPXE reads ';', '&&' and '||' as command separators";
  if (c === "#") return "iPXE reads a word starting with '#' as a comment";
  if (c === "\\") return "iPXE joins a line ending in a backslash with the next one";
  if (code > 0x7e) return "kernel options are plain ASCII";
  return undefined;
}

/** Kernel options as the operator sets them: printable ASCII words, none of iPXE's operators. */
export function checkKernelOptions(flag: string, value: string): string {
  for (const c of value) {
    const why = kernelCharProblem(c);
    if (why) {
      throw new AppError(
        "INVALID_ARGUMENT",
        `Invalid value for --${flag}: it contains ${describeChar(c)} (${why})`,
        "Give only Linux kernel parameters on one line, separated by spaces, e.g. 'quiet console=ttyS0,115200'",
      );
    }
  }
  return value;
}

/**
 * What would change the meaning of the iPXE script if pasted at the end of its `kernel` line:
 * the renderer's last check, for values stored before `checkKernelOptions` existed. Narrower
 * than the setter's rule on purpose: a harmless old value (`a;b`, non-ASCII) still boots.
 */
export function ipxeKernelLineProblem(options: string): string | undefined {
  const control = [...options].find((c) => {
    const code = c.codePointAt(0) ?? 0;
    return code < 0x20 || code === 0x7f;
  });
  if (control) return `${describeChar(control)} (a new iPXE line)`;
  const word = options.split(" ").find((w) => w === ";" || w === "&&" || w === "||" || w.startsWith("#"));
  if (word) return `the word '${word}' (an iPXE ${word.startsWith("#") ? "comment" : "command separator"})`;
  if (options.endsWith("\\")) return "a backslash at the end (iPXE would join the next line)";
  return undefined;
}

const PATH_CHAR = /[A-Za-z0-9._+@:,=/-]/;

/**
 * A path makedns writes into named.conf (`file "DIR/zone"`, and the include file the operator
 * names in `include "..."`): absolute, and only characters that need no quoting there, so no
 * value can close the string and add statements such as `allow-transfer { any; };`.
 */
export function checkBindPath(flag: string, value: string): string {
  const example = flag === "named_zone_dir" ? "/var/named" : "/etc/named.luna.zones";
  const hint = `Give an absolute path of letters, digits and / . _ - + @ : , =, e.g. ${example}`;
  if (!value.startsWith("/")) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `Invalid value '${value}' for --${flag}: not an absolute path`,
      hint,
    );
  }
  const bad = [...value].find((c) => !PATH_CHAR.test(c));
  if (bad) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `Invalid value for --${flag}: it contains ${describeChar(bad)}, not allowed in a path named.conf reads`,
      hint,
    );
  }
  return value;
}

/** One RFC 1123 label: letters, digits and inner hyphens, 1-63 characters. */
export const isHostLabel = (s: string): boolean => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(s);

/**
 * The name server's host name within a network's zone (the zone is appended: `ns1` becomes
 * `ns1.cluster.` in the SOA and NS records), so one label; empty means the head node.
 */
export function checkNsHostname(value: string): string {
  if (value !== "" && !isHostLabel(value)) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `Invalid value '${value}' for --ns_hostname: not a host name`,
      "Give one DNS label of letters, digits and inner '-' (up to 63, no dots: the network's zone is appended, ns1 becomes ns1.cluster.), or '' for the head node",
    );
  }
  return value;
}
