/** `luna osimage add|show|list|change|clone|rename|delete|pack`. */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { ArgsDef } from "citty";
import { mustGet } from "../../domain/common.ts";
import { AppError } from "../../domain/errors.ts";
import {
  addOsImage,
  changeOsImage,
  cloneOsImage,
  deleteOsImage,
  type OsImageChange,
} from "../../domain/osimage.ts";
import { findKernels } from "../../pack/kernels.ts";
import { nameArgs, nameOf, readText } from "../args.ts";
import type { CliContext } from "../context.ts";
import { showTable, table } from "../render.ts";
import { commentArg, jsonArg, nothingToChange, noun, pick, renameVerb, verb } from "../verb.ts";
import { packArgs, runPack } from "./osimage-pack.ts";

const N = "osimage";
const changeArgs = {
  kernver: { type: "string", alias: ["k"], description: "kernel version to boot (must be in the image)" },
  kernopts: { type: "string", alias: ["o"], description: "extra kernel command line options" },
  dracutmodules: {
    type: "string",
    alias: ["d"],
    description: "dracut modules, '-m' omits (default luna,-i18n,-plymouth)",
  },
  kernmodules: { type: "string", alias: ["m"], description: "kernel modules added to the initramfs" },
  path: { type: "string", alias: ["p"], description: "root folder of the image tree" },
  kernfile: {
    type: "string",
    description: "use this kernel file name under <path>/boot instead of packing one",
  },
  initrdfile: {
    type: "string",
    description: "use this initramfs file name under <path>/boot instead of building one",
  },
  grab_filesystems: {
    type: "string",
    alias: ["f"],
    description: "file systems copied by grab (default /,/boot)",
  },
  grab_exclude_list: {
    type: "boolean",
    alias: ["e"],
    description: "edit the grab exclude list (stdin or $EDITOR)",
  },
  ...commentArg,
} satisfies ArgsDef;

export function createOsImageCommand(ctx: CliContext) {
  return noun(N, "OS images: the directory trees nodes boot", {
    add: () =>
      verb({
        noun: N,
        name: "add",
        description: "add an image tree; its kernels are found under /boot and /lib/modules",
        args: {
          ...nameArgs(N),
          path: {
            type: "string",
            alias: ["p"],
            required: true,
            description: "root folder of the image tree",
          },
          kernver: {
            type: "string",
            alias: ["k"],
            description: "kernel version (default: the newest found)",
          },
          kernopts: { type: "string", alias: ["o"], description: "extra kernel command line options" },
          ...commentArg,
        },
        async run(a) {
          const path = resolve(a.path);
          const kernels = findKernels(path);
          const name = nameOf(N, a);
          const image = await ctx.write((tx) =>
            addOsImage(tx, { name, path, kernels, ...pick(a, ["kernver", "kernopts", "comment"]) }),
          );
          ctx.out(`Osimage ${image.name} added with kernel ${image.kernver}`);
        },
      }),
    list: () =>
      verb({
        noun: N,
        name: "list",
        description: "list images",
        args: { ...jsonArg },
        async run(a) {
          const all = await (await ctx.store()).list(N);
          if (a.json) return ctx.json(all.map(({ id: _id, ...o }) => o));
          ctx.out(
            table(
              ["Name", "Path", "Kernel version", "Packed"],
              all.map((o) => [o.name, o.path, o.kernver, o.current ? `v${o.current}` : "-"]),
            ),
          );
        },
      }),
    show: () =>
      verb({
        noun: N,
        name: "show",
        description: "show an image and its packed versions",
        args: { ...nameArgs(N), ...jsonArg },
        async run(a) {
          const { id: _id, versions, current, ...o } = await mustGet(await ctx.store(), N, nameOf(N, a));
          if (a.json) return ctx.json({ ...o, current, versions });
          const text: Record<string, string> = { ...o };
          text.versions =
            versions
              .map(
                (v) =>
                  `v${v.version}${v.version === current ? " (current)" : ""} ${v.tarball} ${v.arch ?? "(arch not recognised)"} ${v.infohash}${v.netfmt ? ` network:${v.netfmt}` : ""}`,
              )
              .join("\n") || "-";
          ctx.out(showTable(text));
        },
      }),
    change: () =>
      verb({
        noun: N,
        name: "change",
        description: "change an image's boot settings",
        args: { ...nameArgs(N), ...changeArgs },
        async run(a) {
          const name = nameOf(N, a);
          const change: OsImageChange = pick(a, [
            "kernopts",
            "dracutmodules",
            "kernmodules",
            "kernfile",
            "initrdfile",
            "grab_filesystems",
            "comment",
          ]);
          const image = await mustGet(await ctx.store(), N, name);
          if (a.path !== undefined) change.path = resolve(a.path);
          if (a.kernver !== undefined) {
            change.kernver = a.kernver;
            change.kernels = findKernels(change.path ?? image.path);
          } else if (change.path !== undefined) {
            findKernels(change.path);
          }
          if (a.grab_exclude_list)
            change.grab_exclude_list = await readText(
              ctx.text,
              image.grab_exclude_list,
              "the grab exclude list",
            );
          if (Object.keys(change).length === 0) nothingToChange(N);
          await ctx.write((tx) => changeOsImage(tx, name, change));
        },
      }),
    clone: () =>
      verb({
        noun: N,
        name: "clone",
        description: "copy an image tree to a new path and register it under a new name",
        args: {
          ...nameArgs(N),
          to: { type: "string", alias: ["t"], required: true, description: "name of the copy" },
          path: {
            type: "string",
            alias: ["p"],
            required: true,
            description: "folder for the copy (must not exist)",
          },
        },
        async run(a) {
          const name = nameOf(N, a);
          const src = await mustGet(await ctx.store(), N, name);
          const to = a.to;
          const path = resolve(a.path);
          if (existsSync(path))
            throw new AppError("ALREADY_EXISTS", `Path '${path}' already exists`, "Pick a new folder");
          if (await (await ctx.store()).byName(N, to))
            throw new AppError("ALREADY_EXISTS", `An osimage named '${to}' already exists`);
          const r = Bun.spawnSync(["cp", "-a", `${src.path}/.`, path], {
            stdio: ["ignore", "inherit", "inherit"],
          });
          if (r.exitCode !== 0)
            throw new AppError("EXTERNAL_COMMAND", `Copying '${src.path}' to '${path}' failed`);
          await ctx.write((tx) => cloneOsImage(tx, name, to, path));
        },
      }),
    rename: renameVerb(ctx, N, "rename an image"),
    delete: () =>
      verb({
        noun: N,
        name: "delete",
        description: "delete an image no group uses (its files stay on disk)",
        args: { ...nameArgs(N) },
        run: async (a) => {
          await ctx.write((tx) => deleteOsImage(tx, nameOf(N, a)));
        },
      }),
    pack: () =>
      verb({
        noun: N,
        name: "pack",
        description:
          "pack an image: tarball + torrent (seeded by the daemon), kernel and initramfs into <path>/boot",
        args: { ...nameArgs(N), ...packArgs },
        run: (a) => runPack(ctx, nameOf(N, a), a),
      }),
  });
}
