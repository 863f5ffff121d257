/** dracutArgs turns an osimage's dracut and kernel module lists into dracut options. */
import { expect, test } from "bun:test";
import { dracutArgs } from "../../src/pack/initramfs.ts";

test("dracut arguments follow the osimage's dracut and kernel module lists", () => {
  const image = { dracutmodules: "luna,-i18n,-plymouth", kernmodules: "ipmi_si,-floppy", kernver: "6.1.0-9" };
  expect(dracutArgs(image, "/tmp/x")).toEqual([
    "--force",
    "--no-hostonly",
    "--kver",
    "6.1.0-9",
    "--add",
    "luna",
    "--omit",
    "i18n",
    "--omit",
    "plymouth",
    "--add-drivers",
    "ipmi_si",
    "--omit-drivers",
    "floppy",
    "/tmp/x",
  ]);
});
