/**
 * OS images: a directory tree on the head node plus how to boot it (kernel version, kernel
 * options, dracut modules) and, once packed, its versions (tarball, torrent, info-hash). The
 * kernels found in the tree are passed in by the caller, so this module stays free of I/O.
 */
import type { Arch } from "./boot/arch.ts";
import { checkName, mustGet, refuseIfUsed, requireCluster } from "./common.ts";
import { AppError } from "./errors.ts";
import { checkKernelOptions } from "./input-rules.ts";
import type { NetFormat, Node, OsImage, OsImageVersion } from "./model.ts";
import { newId, type StoreWriter } from "./store.ts";

export const DEFAULT_DRACUT_MODULES = "luna,-i18n,-plymouth";
export const DEFAULT_KERNEL_MODULES = "ipmi_devintf,ipmi_si,ipmi_msghandler";
export const DEFAULT_GRAB_EXCLUDES = [
  "/dev/*",
  "/proc/*",
  "/sys/*",
  "/run/*",
  "/tmp/*",
  "/var/log/*",
  "/var/cache/*",
].join("\n");

/** Version-aware comparison of kernel release strings (5.10.0-9 < 5.10.0-10). */
export const compareKernels = (a: string, b: string): number =>
  a.localeCompare(b, "en", { numeric: true, sensitivity: "base" });

export function pickKernel(name: string, path: string, kernels: string[], wanted?: string): string {
  if (kernels.length === 0) {
    throw new AppError(
      "NOT_FOUND",
      `No kernels found in '${path}'`,
      "Install a kernel into the image (its /boot/vmlinuz-* and /lib/modules/*), or pass --kernver",
    );
  }
  if (wanted === undefined || wanted === "") return [...kernels].sort(compareKernels).at(-1) as string;
  if (!kernels.includes(wanted)) {
    throw new AppError(
      "NOT_FOUND",
      `Kernel '${wanted}' is not in osimage '${name}'`,
      `Available: ${kernels.join(", ")}`,
    );
  }
  return wanted;
}

export interface OsImageAdd {
  name: string;
  path: string;
  kernels: string[];
  kernver?: string;
  kernopts?: string;
  comment?: string;
}

export async function addOsImage(tx: StoreWriter, input: OsImageAdd): Promise<OsImage> {
  await requireCluster(tx);
  checkName("osimage", input.name);
  if (await tx.byName("osimage", input.name)) {
    throw new AppError("ALREADY_EXISTS", `An osimage named '${input.name}' already exists`);
  }
  const owner = (await tx.list("osimage")).find((o) => o.path === input.path);
  if (owner) throw new AppError("ALREADY_EXISTS", `Path '${input.path}' belongs to osimage '${owner.name}'`);
  const image: OsImage = {
    id: newId(),
    name: input.name,
    path: input.path,
    kernver: pickKernel(input.name, input.path, input.kernels, input.kernver),
    kernopts: checkKernelOptions("kernopts", input.kernopts ?? ""),
    kernfile: "",
    initrdfile: "",
    dracutmodules: DEFAULT_DRACUT_MODULES,
    kernmodules: DEFAULT_KERNEL_MODULES,
    grab_exclude_list: DEFAULT_GRAB_EXCLUDES,
    grab_filesystems: "/,/boot",
    versions: [],
    current: 0,
    comment: input.comment ?? "",
  };
  await tx.insert("osimage", image);
  return image;
}

export type OsImageChange = Partial<
  Pick<
    OsImage,
    | "kernopts"
    | "dracutmodules"
    | "kernmodules"
    | "path"
    | "grab_exclude_list"
    | "grab_filesystems"
    | "kernfile"
    | "initrdfile"
    | "comment"
  >
> & { kernver?: string; kernels?: string[] };

export async function changeOsImage(tx: StoreWriter, name: string, change: OsImageChange): Promise<OsImage> {
  const image = await mustGet(tx, "osimage", name);
  const { kernels, kernver, ...rest } = change;
  if (change.kernopts !== undefined) checkKernelOptions("kernopts", change.kernopts);
  const next: OsImage = { ...image };
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) (next as Record<string, unknown>)[k] = v;
  if (kernver !== undefined) next.kernver = pickKernel(name, image.path, kernels ?? [], kernver);
  if (change.path !== undefined && change.path !== image.path) {
    const owner = (await tx.list("osimage")).find((o) => o.path === change.path && o.id !== image.id);
    if (owner)
      throw new AppError("ALREADY_EXISTS", `Path '${change.path}' belongs to osimage '${owner.name}'`);
  }
  await tx.update("osimage", next);
  return next;
}

export async function cloneOsImage(
  tx: StoreWriter,
  name: string,
  to: string,
  path: string,
): Promise<OsImage> {
  const src = await mustGet(tx, "osimage", name);
  checkName("osimage", to);
  if (await tx.byName("osimage", to))
    throw new AppError("ALREADY_EXISTS", `An osimage named '${to}' already exists`);
  const image: OsImage = {
    ...src,
    id: newId(),
    name: to,
    path,
    kernfile: "",
    initrdfile: "",
    versions: [],
    current: 0,
  };
  await tx.insert("osimage", image);
  return image;
}

export async function deleteOsImage(tx: StoreWriter, name: string): Promise<OsImage> {
  const image = await mustGet(tx, "osimage", name);
  await refuseIfUsed(tx, "osimage", image.id, name);
  await tx.remove("osimage", image.id);
  return image;
}

export interface PackedFiles {
  tarball: string;
  torrent: string;
  infohash: string;
  size: number;
  kernfile: string;
  initrdfile: string;
  /** the network configuration format found in the image (pack/netfmt.ts) */
  netfmt?: NetFormat;
  arch?: Arch;
}

/** Records a new packed version and makes it current; older versions stay until unused. */
export async function addImageVersion(
  tx: StoreWriter,
  name: string,
  files: PackedFiles,
  created: string,
): Promise<OsImage> {
  const image = await mustGet(tx, "osimage", name);
  const version = Math.max(0, ...image.versions.map((v) => v.version)) + 1;
  const next: OsImage = {
    ...image,
    kernfile: files.kernfile,
    initrdfile: files.initrdfile,
    versions: [
      ...image.versions,
      {
        version,
        tarball: files.tarball,
        torrent: files.torrent,
        infohash: files.infohash,
        size: files.size,
        created,
        ...(files.netfmt ? { netfmt: files.netfmt } : {}),
        ...(files.arch ? { arch: files.arch } : {}),
      },
    ],
    current: version,
  };
  await tx.update("osimage", next);
  return next;
}

/** Stages during which a node still needs the image version it started with. */
const INSTALLING = /^(boot\.request|install\.(request|prescript|setupbmc|partscript|download|unpack)$)/;

/**
 * Old versions no node is still installing from. A node installs the version that was current
 * when it fetched its install script (recorded as `imageversion`); it keeps it until it reports
 * a later stage, so a re-pack never pulls a tarball from under a booting node.
 */
export function unusedVersions(image: OsImage, nodes: Node[]): OsImageVersion[] {
  const busy = new Set(
    nodes
      .filter((n) => n.status && INSTALLING.test(n.status.step) && n.imageversion)
      .map((n) => n.imageversion as string),
  );
  return image.versions.filter((v) => v.version !== image.current && !busy.has(`${image.id}:${v.version}`));
}
