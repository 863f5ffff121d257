/** Maps error codes to HTTP statuses for node-facing routes; bodies stay short plain text. */
import { AppError, type ErrorCode } from "../domain/errors.ts";

export const HTTP_STATUS: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  INVALID_NAME: 400,
  INVALID_IP: 400,
  INVALID_MAC: 400,
  INVALID_NETWORK: 400,
  CONFIG_INVALID: 400,
  NOT_FOUND: 404,
  CLUSTER_NOT_INITIALISED: 503,
  ALREADY_EXISTS: 409,
  CLUSTER_EXISTS: 409,
  OBJECT_IN_USE: 409,
  IP_TAKEN: 409,
  IP_OUT_OF_NETWORK: 409,
  IP_POOL_EXHAUSTED: 409,
  CONFLICT: 409,
  FORBIDDEN: 403,
  STORE_UNAVAILABLE: 503,
  STORE_PERMISSION: 503,
  STORE_BUSY: 503,
  STORE_INVALID: 500,
  EXTERNAL_COMMAND: 500,
  NOT_IMPLEMENTED: 501,
};

/** The status an error is answered with (500 for anything that is not an AppError). */
export const statusOf = (e: unknown): number => (e instanceof AppError ? HTTP_STATUS[e.code] : 500);

export function errorResponse(e: unknown): Response {
  if (e instanceof AppError) return text(`${e.message}\n`, HTTP_STATUS[e.code]);
  return text("internal error\n", 500);
}

export const text = (body: string, status = 200, type = "text/plain; charset=utf-8"): Response =>
  new Response(body, { status, headers: { "content-type": type } });
