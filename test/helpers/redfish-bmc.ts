/**
 * A small Redfish service that plays a BMC in tests (not our code under test): HTTPS with a
 * self-signed certificate made by openssl for its loopback address, port 0, HTTP Basic
 * authentication, and one system shaped after the DMTF ComputerSystem schema
 * (https://redfish.dmtf.org/schemas/v1/ComputerSystem.json): PowerState,
 * LocationIndicatorActive and the #ComputerSystem.Reset action. It records every reset.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SYSTEM = "/redfish/v1/Systems/1";
const RESET = `${SYSTEM}/Actions/ComputerSystem.Reset`;
const ALLOWED = ["On", "ForceOff", "GracefulShutdown", "ForceRestart", "PowerCycle"];

export interface RedfishBmc extends AsyncDisposable {
  hostname: string;
  port: number;
  state: { power: "On" | "Off"; locator: boolean; resets: string[]; requests: number };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const redfishError = (status: number, id: string, message: string) =>
  json(
    {
      error: {
        code: `Base.1.8.${id}`,
        message,
        "@Message.ExtendedInfo": [{ MessageId: `Base.1.8.${id}`, Message: message }],
      },
    },
    status,
  );

export async function startRedfishBmc(opts: {
  hostname: string;
  user: string;
  password: string;
  /** the system's SerialConsole property (ComputerSystem v1.13), left out when not given */
  serialConsole?: unknown;
}): Promise<RedfishBmc> {
  const dir = mkdtempSync(join(tmpdir(), "luna-redfish-"));
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  const gen = Bun.spawnSync(
    ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
      .concat(["-keyout", key, "-out", cert, "-days", "1", "-subj", `/CN=${opts.hostname}`])
      .concat(["-addext", `subjectAltName=IP:${opts.hostname}`]),
    { stdout: "pipe", stderr: "pipe" },
  );
  if (gen.exitCode !== 0) throw new Error(`openssl failed: ${gen.stderr}`);
  const state: RedfishBmc["state"] = { power: "Off", locator: false, resets: [], requests: 0 };
  const expected = `Basic ${Buffer.from(`${opts.user}:${opts.password}`).toString("base64")}`;
  const system = () => ({
    "@odata.id": SYSTEM,
    "@odata.type": "#ComputerSystem.v1_20_0.ComputerSystem",
    Id: "1",
    Name: "Test system",
    SystemType: "Physical",
    PowerState: state.power,
    LocationIndicatorActive: state.locator,
    Actions: { "#ComputerSystem.Reset": { target: RESET, "ResetType@Redfish.AllowableValues": ALLOWED } },
    ...(opts.serialConsole === undefined ? {} : { SerialConsole: opts.serialConsole }),
  });
  const server = Bun.serve({
    hostname: opts.hostname,
    port: 0,
    tls: { cert: Bun.file(cert), key: Bun.file(key) },
    async fetch(req) {
      state.requests++;
      const path = new URL(req.url).pathname.replace(/\/$/, "");
      if (path === "/redfish/v1") {
        return json({
          "@odata.id": "/redfish/v1",
          "@odata.type": "#ServiceRoot.v1_15_0.ServiceRoot",
          Systems: { "@odata.id": "/redfish/v1/Systems" },
        });
      }
      if (req.headers.get("authorization") !== expected) {
        return new Response(null, { status: 401, headers: { "WWW-Authenticate": 'Basic realm="BMC"' } });
      }
      if (path === "/redfish/v1/Systems" && req.method === "GET") {
        return json({
          "@odata.id": "/redfish/v1/Systems",
          "@odata.type": "#ComputerSystemCollection.ComputerSystemCollection",
          Name: "Computer System Collection",
          "Members@odata.count": 1,
          Members: [{ "@odata.id": SYSTEM }],
        });
      }
      if (path === SYSTEM && req.method === "GET") return json(system());
      if (path === SYSTEM && req.method === "PATCH") {
        const body = (await req.json()) as { LocationIndicatorActive?: unknown };
        if (typeof body.LocationIndicatorActive !== "boolean") {
          return redfishError(400, "PropertyValueTypeError", "LocationIndicatorActive must be a boolean");
        }
        state.locator = body.LocationIndicatorActive;
        return json(system());
      }
      if (path === RESET && req.method === "POST") {
        const type = ((await req.json()) as { ResetType?: string }).ResetType ?? "";
        if (!ALLOWED.includes(type)) {
          return redfishError(
            400,
            "ActionParameterValueNotInList",
            `The value ${type} for ResetType is not allowed`,
          );
        }
        state.resets.push(type);
        if (type === "On" || type === "ForceRestart" || type === "PowerCycle") state.power = "On";
        if (type === "ForceOff" || type === "GracefulShutdown") state.power = "Off";
        return new Response(null, { status: 204 });
      }
      return redfishError(404, "ResourceMissingAtURI", `${path} not found`);
    },
  });
  return {
    hostname: opts.hostname,
    port: server.port as number,
    state,
    async [Symbol.asyncDispose]() {
      await server.stop(true);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
