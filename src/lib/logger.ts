/**
 * The logger every part of luna is given (config is an argument, so is the log): a message
 * and structured fields. runtime/logger.ts makes the daemon's (JSON lines or a terminal);
 * tests pass their own. A part that needs less takes `Pick<Logger, "warn">`.
 */
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}
