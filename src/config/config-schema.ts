/**
 * The config file's schema (TypeBox): defaults and validation of /etc/luna/luna.conf. Kept
 * apart from config.ts and loaded only when a file exists, because TypeBox costs start-up time.
 */
import { type Static, Type as T } from "@sinclair/typebox";

export const ConfigSchema = T.Object(
  {
    store: T.String({ default: "sqlite:/var/lib/luna/luna.db" }),
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
