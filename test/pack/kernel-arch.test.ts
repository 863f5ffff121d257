/**
 * Kernel and EFI architectures from file headers: the x86 kernel and iPXE builds Debian ships
 * (linux-image-cloud-amd64, ipxe; .ci/run installs both), and arm64 files built here from the
 * layouts the kernel documents, because Debian on this machine has no arm64 binaries: a raw
 * arm64 Image, the same gzip-compressed as Debian ships vmlinuz on arm64, and a PE header of
 * an arm64 EFI application. `osimage pack` records what it read on the image version.
 */
import { expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binaryArch } from "../../src/domain/boot/arch.ts";
import { initCluster } from "../../src/domain/cluster.ts";
import { addOsImage } from "../../src/domain/osimage.ts";
import { fileArch } from "../../src/pack/kernel-arch.ts";
import { packImage } from "../../src/pack/pack.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { arm64Image, peHeader } from "../helpers/arch-files.ts";

const x86Kernel = () => {
  const name = readdirSync("/boot").find((f) => f.startsWith("vmlinuz-"));
  if (!name) throw new Error("no /boot/vmlinuz-*: apt-get install linux-image-cloud-amd64");
  return join("/boot", name);
};

test("binaryArch reads arm64 Images, bzImages, PE machines and ELF headers", () => {
  expect(binaryArch(arm64Image(0))).toBe("arm64");
  expect(binaryArch(peHeader(0xaa64))).toBe("arm64");
  expect(binaryArch(peHeader(0x8664))).toBe("x86_64");
  expect(binaryArch(peHeader(0x5064))).toBeUndefined(); // riscv64: not one luna boots
  expect(binaryArch(new TextEncoder().encode("kernel"))).toBeUndefined();
  expect(binaryArch(new Uint8Array([0x4d, 0x5a]))).toBeUndefined(); // MZ cut short
});

test("fileArch knows Debian's x86 kernel and iPXE, and a gzip-compressed arm64 Image", async () => {
  expect(fileArch(x86Kernel())).toBe("x86_64");
  expect(fileArch("/usr/lib/ipxe/snponly.efi")).toBe("x86_64");
  expect(fileArch("/bin/sh")).toBe("x86_64"); // an ELF
  const dir = mkdtempSync(join(tmpdir(), "luna-arch-"));
  try {
    const gz = Bun.gzipSync(arm64Image());
    expect(gz.length).toBeGreaterThan(64 * 1024); // more than fileArch reads: a partial inflate
    writeFileSync(join(dir, "vmlinuz"), gz);
    expect(fileArch(join(dir, "vmlinuz"))).toBe("arm64");
    writeFileSync(join(dir, "Image"), arm64Image());
    expect(fileArch(join(dir, "Image"))).toBe("arm64");
    writeFileSync(join(dir, "broken.gz"), new Uint8Array([0x1f, 0x8b, 1, 2, 3]));
    expect(fileArch(join(dir, "broken.gz"))).toBeUndefined();
    expect(fileArch(join(dir, "missing"))).toBeUndefined();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("pack records the kernel's architecture on the version, and --boot-only updates it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "luna-arch-pack-"));
  const store = openSqliteStore(join(dir, "luna.db"));
  try {
    const tree = join(dir, "tree");
    mkdirSync(join(tree, "boot"), { recursive: true });
    writeFileSync(join(tree, "boot", "vmlinuz-6.1.0-a"), Bun.gzipSync(arm64Image()));
    writeFileSync(join(dir, "initrd"), "initramfs");
    await store.write(async (tx) => {
      await initCluster(tx, { frontend_address: "10.30.255.254", path: join(dir, "opt") }, false);
      await addOsImage(tx, { name: "compute", path: tree, kernels: ["6.1.0-a"] });
    });
    const initrdSource = join(dir, "initrd");
    const lines: string[] = [];
    const log = (l: string) => lines.push(l);
    const first = await packImage({ store, name: "compute", compression: "zstd", initrdSource, log });
    expect(first.image.versions.map((v) => [v.version, v.arch])).toEqual([[1, "arm64"]]);
    expect(lines).toContain("kernel architecture: arm64");

    const again = await packImage({
      store,
      name: "compute",
      compression: "zstd",
      bootOnly: true,
      kernelSource: x86Kernel(),
      initrdSource,
      log,
    });
    expect(again.image.versions.map((v) => [v.version, v.arch])).toEqual([[1, "x86_64"]]);

    writeFileSync(join(tree, "boot", "vmlinuz-6.1.0-a"), "not a kernel");
    const third = await packImage({ store, name: "compute", compression: "zstd", initrdSource, log });
    expect(third.image.versions.map((v) => [v.version, v.arch])).toEqual([[2, undefined]]);
    expect(lines.filter((l) => l.startsWith("kernel architecture:")).at(-1)).toStartWith(
      "kernel architecture: not recognised",
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
