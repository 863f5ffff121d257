/**
 * Luna's configuration: one schema with defaults, layered file < environment < flags. The file
 * is TOML (`/etc/luna/luna.conf`, or the path in LUNA_CONFIG); a missing default file is fine,
 * a missing file that was asked for by name is an error. Config is passed as an argument,
 * never kept in a module-level singleton.
 */
import { existsSync, readFileSync } from "node:fs";
import { type Static, Type as T } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { AppError } from "../domain/errors.ts";

export const DEFAULT_CONFIG_FILE = "/etc/luna/luna.conf";
export const DEFAULT_STORE = "sqlite:/var/lib/luna/luna.db";

export const ConfigSchema = T.Object(
  {
    store: T.String({ default: DEFAULT_STORE }),
    daemon: T.Object(
      {
        host: T.String({ default: "0.0.0.0" }),
        port: T.Integer({ minimum: 0, maximum: 65535, default: 7050 }),
        pidfile: T.String({ default: "/run/luna/luna.pid" }),
        logfile: T.String({ default: "/var/log/luna/luna.log" }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type Config = Static<typeof ConfigSchema>;

export type StoreSpec = { kind: "sqlite"; path: string } | { kind: "mongodb"; url: string };

export interface ConfigSources {
  flags: { store?: string; config?: string };
  env: Record<string, string | undefined>;
}

export function loadConfig({ flags, env }: ConfigSources): Config {
  const named = flags.config ?? env.LUNA_CONFIG;
  const file = named ?? DEFAULT_CONFIG_FILE;
  let fromFile: unknown = {};
  if (existsSync(file)) {
    try {
      fromFile = Bun.TOML.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new AppError(
        "CONFIG_INVALID",
        `Cannot parse config file '${file}': ${(e as Error).message}`,
        'It is TOML: store = "sqlite:/var/lib/luna/luna.db"',
      );
    }
  } else if (named) {
    throw new AppError(
      "CONFIG_INVALID",
      `Config file '${file}' does not exist`,
      "Fix LUNA_CONFIG / --config, or unset it",
    );
  }
  const merged = Value.Default(ConfigSchema, structuredClone(fromFile)) as Config;
  if (!Value.Check(ConfigSchema, merged)) {
    const first = [...Value.Errors(ConfigSchema, merged)][0];
    throw new AppError(
      "CONFIG_INVALID",
      `Invalid config file '${file}': ${first?.path || "/"} ${first?.message ?? ""}`.trim(),
    );
  }
  if (env.LUNA_STORE) merged.store = env.LUNA_STORE;
  if (flags.store) merged.store = flags.store;
  return merged;
}

export function parseStoreSpec(text: string): StoreSpec {
  if (text.startsWith("mongodb://") || text.startsWith("mongodb+srv://"))
    return { kind: "mongodb", url: text };
  const path = text.startsWith("sqlite:") ? text.slice("sqlite:".length) : text;
  if (path === "" || text.includes("://")) {
    throw new AppError(
      "CONFIG_INVALID",
      `Invalid store '${text}'`,
      "Use sqlite:/path/to/luna.db or mongodb://host/luna",
    );
  }
  return { kind: "sqlite", path };
}
