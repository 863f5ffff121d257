/**
 * arm64 binaries for tests, built from the layouts their specs give, because Debian on an x86
 * machine ships none: a Linux arm64 Image and the header of a PE (EFI) file of any machine.
 */
/** An arm64 Image (Documentation/arch/arm64/booting.rst): 64-byte header, then `size` bytes of body. */
export function arm64Image(size = 1 << 20): Uint8Array<ArrayBuffer> {
  const img = new Uint8Array(64 + size);
  const view = new DataView(img.buffer);
  view.setUint32(0, 0x91005a4d, true); // code0: "MZ" + add x13, x18, #0x16 (EFI stub)
  view.setBigUint64(16, BigInt(img.length), true); // image_size
  img.set(new TextEncoder().encode("ARM\x64"), 56);
  // A body that does not compress away, so a gzip of it is longer than what fileArch reads.
  for (let at = 64; at < img.length; at += 65536) crypto.getRandomValues(img.subarray(at, at + 65536));
  return img;
}

/** The smallest PE file header with `machine` (Microsoft PE format: e_lfanew at 0x3c). */
export function peHeader(machine: number): Uint8Array {
  const b = new Uint8Array(0x100);
  const view = new DataView(b.buffer);
  b.set([0x4d, 0x5a]); // MZ
  view.setUint32(0x3c, 0x80, true);
  b.set([0x50, 0x45, 0, 0], 0x80); // PE\0\0
  view.setUint16(0x84, machine, true);
  return b;
}
