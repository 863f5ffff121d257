/**
 * Parsing the hardware data iPXE sends to `step=discovery`: MACs and the SMBIOS serial joined
 * by `|` (the original's format; commas and spaces are accepted too). Empty fields are what
 * iPXE prints for NICs that do not exist, so they are skipped; anything else that is not a
 * MAC is taken as the serial. Oversized or MAC-less input is refused, never stored.
 */
import { AppError } from "../errors.ts";
import { MAX_HWDATA } from "./urls.ts";

export interface HwData {
  macs: string[];
  serial: string;
}

const MAC_RE = /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i;
const SERIAL_RE = /^[\x21-\x7e]{1,64}$/;

export function parseHwData(text: string | undefined): HwData {
  if (text === undefined || text.trim() === "") throw new AppError("INVALID_ARGUMENT", "Missing hwdata");
  if (text.length > MAX_HWDATA)
    throw new AppError("INVALID_ARGUMENT", `hwdata longer than ${MAX_HWDATA} characters`);
  const macs: string[] = [];
  let serial = "";
  for (const raw of text.split(/[|, ]+/)) {
    const field = raw.trim();
    if (field === "") continue;
    if (MAC_RE.test(field)) {
      const mac = field.toLowerCase().replaceAll("-", ":");
      if (mac !== "00:00:00:00:00:00" && !macs.includes(mac)) macs.push(mac);
    } else if (!serial && SERIAL_RE.test(field)) {
      serial = field;
    } else if (!SERIAL_RE.test(field)) {
      throw new AppError("INVALID_ARGUMENT", "hwdata holds characters that are neither a MAC nor a serial");
    }
  }
  if (macs.length === 0) throw new AppError("INVALID_ARGUMENT", "hwdata holds no MAC address");
  if (macs.length > 32) throw new AppError("INVALID_ARGUMENT", "hwdata holds more than 32 MAC addresses");
  return { macs, serial };
}
