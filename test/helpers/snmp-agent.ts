/**
 * A real SNMP agent (net-snmp's agent, in the test process) on a free loopback UDP port playing
 * a switch: a Q-BRIDGE dot1qTpFdbTable and a BRIDGE dot1dTpFdbTable holding the same MACs, the
 * port names (dot1dBasePortIfIndex → ifName) when asked, and, under JUNK_FDB, a table of
 * malformed rows. v1 and v2c with the "public" community.
 */
import { createSocket } from "node:dgram";
import snmp from "net-snmp";

/** A free UDP port on loopback: bind port 0, note the port, close. */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface FdbRow {
  mac: string;
  port: number;
  vlan?: number;
}

/** Base of the malformed table: point a switch's `oid` here. */
export const JUNK_FDB = "1.3.6.1.4.1.99999.7.2";
/** The one good row among the junk (a scalar's instance adds `.0`, the MAC's last octet). */
export const JUNK_GOOD = { mac: "52:54:00:00:07:00", port: "2", vlan: 1 };
export const JUNK_BAD_ROWS = 4;

const octets = (mac: string) => Buffer.from(mac.split(":").map((h) => Number.parseInt(h, 16)));
const RO = snmp.MaxAccess["read-only"];
const NA = snmp.MaxAccess["not-accessible"];

function registerTables(mib: ReturnType<ReturnType<typeof snmp.createAgent>["getMib"]>) {
  const table = (name: string, oid: string, columns: unknown[], index: unknown[]) =>
    mib.registerProvider({
      name,
      type: snmp.MibProviderType.Table,
      oid,
      tableColumns: columns,
      tableIndex: index,
    });
  table(
    "dot1qTpFdbEntry",
    "1.3.6.1.2.1.17.7.1.2.2.1",
    [
      { number: 0, name: "fdbId", type: snmp.ObjectType.Unsigned32, maxAccess: NA },
      { number: 1, name: "address", type: snmp.ObjectType.OctetString, maxAccess: NA },
      { number: 2, name: "port", type: snmp.ObjectType.Integer, maxAccess: RO },
    ],
    [{ columnName: "fdbId" }, { columnName: "address", implied: true }],
  );
  table(
    "dot1dTpFdbEntry",
    "1.3.6.1.2.1.17.4.3.1",
    [
      { number: 1, name: "address", type: snmp.ObjectType.OctetString, maxAccess: NA },
      { number: 2, name: "port", type: snmp.ObjectType.Integer, maxAccess: RO },
    ],
    [{ columnName: "address", implied: true }],
  );
  table(
    "dot1dBasePortEntry",
    "1.3.6.1.2.1.17.1.4.1",
    [
      { number: 1, name: "basePort", type: snmp.ObjectType.Integer, maxAccess: NA },
      { number: 2, name: "ifIndex", type: snmp.ObjectType.Integer, maxAccess: RO },
    ],
    [{ columnName: "basePort" }],
  );
  table(
    "ifXEntry",
    "1.3.6.1.2.1.31.1.1.1",
    [
      { number: 0, name: "ifIndex", type: snmp.ObjectType.Integer, maxAccess: NA },
      { number: 1, name: "ifName", type: snmp.ObjectType.OctetString, maxAccess: RO },
    ],
    [{ columnName: "ifIndex" }],
  );
}

function registerJunk(mib: ReturnType<ReturnType<typeof snmp.createAgent>["getMib"]>) {
  const scalar = (oid: string, type: number, value: unknown) => {
    const name = `junk${oid.replaceAll(".", "_")}`;
    mib.registerProvider({ name, type: snmp.MibProviderType.Scalar, oid, scalarType: type, maxAccess: RO });
    mib.setScalarValue(name, value);
  };
  scalar(`${JUNK_FDB}.1.82.84.0.0.7`, snmp.ObjectType.Integer, 2); // good: vlan 1, …:07:00, port 2
  scalar(`${JUNK_FDB}.1.82.84.0.0.8`, snmp.ObjectType.OctetString, "Gi1/0/8"); // port is text
  scalar(`${JUNK_FDB}.1.82.84.0.0.9`, snmp.ObjectType.Integer, 0); // port 0: unknown port
  scalar(`${JUNK_FDB}.1.82.84.0.0.300`, snmp.ObjectType.Integer, 3); // octet 300
  scalar(`${JUNK_FDB}.2.1`, snmp.ObjectType.Integer, 3); // index too short
}

export interface SwitchAgent extends AsyncDisposable {
  port: number;
  add(row: FdbRow): void;
  remove(row: FdbRow): void;
}

export async function startSwitchAgent(
  fdb: FdbRow[],
  o: { portNames?: Record<number, string> } = {},
): Promise<SwitchAgent> {
  const port = await freeUdpPort();
  const agent = snmp.createAgent(
    { port, address: "127.0.0.1", accessControlModelType: snmp.AccessControlModelType.None },
    () => {},
  );
  agent.getAuthorizer().addCommunity("public");
  const mib = agent.getMib();
  registerTables(mib);
  registerJunk(mib);
  for (const [bridgePort, name] of Object.entries(o.portNames ?? {})) {
    mib.addTableRow("dot1dBasePortEntry", [Number(bridgePort), 1000 + Number(bridgePort)]);
    mib.addTableRow("ifXEntry", [1000 + Number(bridgePort), name]);
  }
  const add = (e: FdbRow) => {
    mib.addTableRow("dot1qTpFdbEntry", [e.vlan ?? 1, octets(e.mac), e.port]);
    mib.addTableRow("dot1dTpFdbEntry", [octets(e.mac), e.port]);
  };
  for (const e of fdb) add(e);
  return {
    port,
    add,
    remove(e) {
      mib.deleteTableRow("dot1qTpFdbEntry", [e.vlan ?? 1, octets(e.mac)]);
      mib.deleteTableRow("dot1dTpFdbEntry", [octets(e.mac)]);
    },
    async [Symbol.asyncDispose]() {
      agent.close();
    },
  };
}
