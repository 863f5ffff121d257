/**
 * Typed errors for the whole program. Every failure a user can cause carries a SCREAMING_SNAKE
 * code; the CLI maps codes to exit codes and the server maps them to HTTP statuses, so the
 * domain never decides how an error is shown.
 */

export type ErrorCode =
  | "INVALID_ARGUMENT"
  | "INVALID_NAME"
  | "INVALID_IP"
  | "INVALID_MAC"
  | "INVALID_NETWORK"
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "OBJECT_IN_USE"
  | "IP_OUT_OF_NETWORK"
  | "IP_TAKEN"
  | "IP_POOL_EXHAUSTED"
  | "CLUSTER_NOT_INITIALISED"
  | "CLUSTER_EXISTS"
  | "STORE_UNAVAILABLE"
  | "STORE_PERMISSION"
  | "STORE_BUSY"
  | "STORE_INVALID"
  | "CONFIG_INVALID"
  | "EXTERNAL_COMMAND"
  | "CONFLICT"
  | "FORBIDDEN"
  | "NOT_IMPLEMENTED";

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, hint?: string) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.hint = hint;
  }

  /** One line for a person: the message, then the fix when there is one. */
  toLine(): string {
    return this.hint ? `${this.message}. ${this.hint}` : this.message;
  }
}

export const notFound = (kind: string, name: string): AppError =>
  new AppError("NOT_FOUND", `No ${kind} named '${name}'`, `See 'luna ${kind} list'`);
