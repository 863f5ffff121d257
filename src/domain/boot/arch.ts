/**
 * The CPU architecture of a kernel or EFI binary, read from its first bytes: what `osimage
 * pack` records on an image version (so makedhcp knows which iPXE builds the cluster needs)
 * and what `self-install --ipxe-arm64` checks before it puts a file where arm64 firmware will
 * run it. Pure: the caller reads (and, for a gzip-compressed Image, inflates) the header.
 */

import type { OsImageVersion } from "../model.ts";

/** An image version's kernel architecture (recorded by pack; absent when not recognised). */
export type Arch = NonNullable<OsImageVersion["arch"]>;

/** How many leading bytes `binaryArch` may need (the PE header sits at e_lfanew, < 4 KiB). */
export const ARCH_HEADER_BYTES = 4096;

const ascii = (b: Uint8Array, at: number, text: string): boolean =>
  [...text].every((c, i) => b[at + i] === c.charCodeAt(0));
const u16 = (b: Uint8Array, at: number): number => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
const u32 = (b: Uint8Array, at: number): number => (u16(b, at) | (u16(b, at + 2) << 16)) >>> 0;

/** PE/COFF machine types (Microsoft PE format, "Machine Types"). */
const PE_MACHINE: Record<number, Arch> = { 34404: "x86_64", 43620: "arm64" };
/** ELF e_machine values (System V ABI): EM_X86_64, EM_AARCH64. */
const ELF_MACHINE: Record<number, Arch> = { 62: "x86_64", 183: "arm64" };

/**
 * - arm64 `Image` (Documentation/arch/arm64/booting.rst): magic "ARM\x64" at offset 56,
 *   also when it carries an EFI stub (then it starts with "MZ" as well);
 * - x86 bzImage (Documentation/arch/x86/boot.rst): "HdrS" at 0x202; luna boots only 64-bit
 *   x86, so it counts as x86_64;
 * - other EFI applications, such as iPXE builds or an EFI zboot kernel: the PE header's
 *   machine field;
 * - an ELF vmlinux: e_machine.
 */
export function binaryArch(head: Uint8Array): Arch | undefined {
  if (ascii(head, 56, "ARM\x64")) return "arm64";
  if (ascii(head, 0x202, "HdrS")) return "x86_64";
  if (ascii(head, 0, "MZ")) {
    const pe = u32(head, 0x3c);
    if (pe + 6 <= head.length && ascii(head, pe, "PE\0\0")) return PE_MACHINE[u16(head, pe + 4)];
    return undefined;
  }
  if (ascii(head, 0, "\x7fELF") && head[5] === 1) return ELF_MACHINE[u16(head, 18)];
  return undefined;
}
