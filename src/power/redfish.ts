/**
 * Redfish power control (DMTF DSP0266 / ComputerSystem schema): read `PowerState` of the first
 * member of /redfish/v1/Systems, post `#ComputerSystem.Reset` to the target the resource
 * advertises, patch the locator LED for identify. HTTPS with HTTP Basic authentication (every
 * Redfish service must accept it, DSP0266 §13.3); a self-signed BMC certificate is accepted only
 * when the bmcsetup says `--insecure y`.
 */
import type { BmcTarget, PowerAction } from "../domain/netsvc/power.ts";
import { type PowerBackend, PowerError } from "./backend.ts";

interface ResetAction {
  target?: string;
  "ResetType@Redfish.AllowableValues"?: string[];
}
interface ComputerSystem {
  PowerState?: string;
  LocationIndicatorActive?: boolean;
  Actions?: { "#ComputerSystem.Reset"?: ResetAction };
}

/** Reset types per action, in order of preference, checked against what the BMC allows. */
const RESET_TYPES: Partial<Record<PowerAction, string[]>> = {
  on: ["On", "ForceOn"],
  off: ["ForceOff", "GracefulShutdown"],
  reset: ["ForceRestart", "GracefulRestart"],
  cycle: ["PowerCycle", "ForceRestart"],
};

export function pickResetType(action: PowerAction, allowed: string[] | undefined): string {
  const wanted = RESET_TYPES[action] ?? [];
  const type = allowed ? wanted.find((t) => allowed.includes(t)) : wanted[0];
  if (!type)
    throw new PowerError(`The BMC offers no reset type for '${action}' (it allows ${allowed?.join(", ")})`);
  return type;
}

function fetchError(e: unknown, where: string): PowerError {
  const err = e as Error & { code?: string };
  const code = err.code ?? "";
  if (err.name === "AbortError" || err.name === "TimeoutError")
    return new PowerError(`No answer from ${where}`);
  if (/CERT|SELF_SIGNED|TLS/i.test(code)) {
    return new PowerError(
      `The certificate of ${where} is not trusted (${code}); accept it with 'luna bmcsetup change NAME --insecure y'`,
    );
  }
  if (code === "ConnectionRefused" || code === "ECONNREFUSED")
    return new PowerError(`Connection refused by ${where}`);
  return new PowerError(`Cannot reach ${where}: ${code || err.message}`);
}

async function failure(res: Response, path: string): Promise<PowerError> {
  if (res.status === 401 || res.status === 403) {
    return new PowerError(
      `The BMC refused the credentials (HTTP ${res.status}); check the bmcsetup's user and password`,
    );
  }
  let detail = "";
  try {
    const body = (await res.json()) as {
      error?: { message?: string; "@Message.ExtendedInfo"?: { Message?: string }[] };
    };
    detail = body.error?.["@Message.ExtendedInfo"]?.[0]?.Message ?? body.error?.message ?? "";
  } catch {
    detail = "";
  }
  return new PowerError(`HTTP ${res.status} from ${path}${detail ? `: ${detail}` : ""}`);
}

type Call = (path: string, method?: string, body?: unknown) => Promise<unknown>;

/** A Redfish session of one BMC: `call` answers the parsed JSON or throws a PowerError. */
export function redfishClient(
  bmc: BmcTarget,
  signal: AbortSignal,
): { call: Call; system(): Promise<string> } {
  const host = bmc.host.includes(":") ? `[${bmc.host}]` : bmc.host;
  const base = `https://${host}:${bmc.port}`;
  const auth = `Basic ${Buffer.from(`${bmc.user}:${bmc.password}`).toString("base64")}`;
  const call: Call = async (path, method = "GET", body) => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        signal,
        headers: {
          Authorization: auth,
          Accept: "application/json",
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        tls: { rejectUnauthorized: !bmc.insecure },
      });
    } catch (e) {
      throw fetchError(e, `${host}:${bmc.port}`);
    }
    if (!res.ok) throw await failure(res, path);
    return res.status === 204 ? {} : res.json().catch(() => ({}));
  };
  /** The path of the first member of /redfish/v1/Systems. */
  const system = async (): Promise<string> => {
    const systems = (await call("/redfish/v1/Systems")) as { Members?: { "@odata.id"?: string }[] };
    const path = systems.Members?.[0]?.["@odata.id"];
    if (!path) throw new PowerError("The BMC lists no system under /redfish/v1/Systems");
    return path;
  };
  return { call, system };
}

export function createRedfishBackend(): PowerBackend {
  return {
    async run(bmc: BmcTarget, action, { signal }) {
      const { call, system } = redfishClient(bmc, signal);
      const path = await system();
      const sys = (await call(path)) as ComputerSystem;
      if (action === "status") return (sys.PowerState ?? "unknown").toLowerCase();
      if (action === "identify" || action === "noidentify") {
        const on = action === "identify";
        // LocationIndicatorActive replaced IndicatorLED in ComputerSystem v1.13; use what the BMC has.
        const patch =
          "LocationIndicatorActive" in sys
            ? { LocationIndicatorActive: on }
            : { IndicatorLED: on ? "Blinking" : "Off" };
        await call(path, "PATCH", patch);
        return on ? "identify on" : "identify off";
      }
      const reset = sys.Actions?.["#ComputerSystem.Reset"];
      const type = pickResetType(action, reset?.["ResetType@Redfish.AllowableValues"]);
      await call(reset?.target ?? `${path}/Actions/ComputerSystem.Reset`, "POST", { ResetType: type });
      return action;
    },
  };
}
