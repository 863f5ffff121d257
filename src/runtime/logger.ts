/**
 * The daemon's logger: one JSON object per line when stderr is not a terminal (journald,
 * files, log shippers), readable coloured lines via consola on a terminal.
 */
import { createConsola } from "consola";
import type { Logger } from "../lib/logger.ts";

export function createLogger(opts: { json?: boolean; write?: (line: string) => void } = {}): Logger {
  const json = opts.json ?? !process.stderr.isTTY;
  if (json) {
    const write = opts.write ?? ((line: string) => process.stderr.write(line));
    const emit = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
      write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
    return { info: emit("info"), warn: emit("warn"), error: emit("error") };
  }
  const consola = createConsola({ stderr: process.stderr, stdout: process.stderr });
  const fmt = (msg: string, fields?: Record<string, unknown>) =>
    fields && Object.keys(fields).length > 0
      ? `${msg} ${Object.entries(fields)
          .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
          .join(" ")}`
      : msg;
  return {
    info: (m, f) => consola.info(fmt(m, f)),
    warn: (m, f) => consola.warn(fmt(m, f)),
    error: (m, f) => consola.error(fmt(m, f)),
  };
}
