/**
 * A real SNMP agent (net-snmp's agent, in the test process) on a free loopback UDP port,
 * serving a Q-BRIDGE dot1qTpFdbTable and a BRIDGE dot1dTpFdbTable: it plays the switch.
 */
import { createSocket } from "node:dgram";
import snmp from "net-snmp";

export async function freeUdpPort(): Promise<number> {
  const s = createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const octets = (mac: string) => Buffer.from(mac.split(":").map((h) => Number.parseInt(h, 16)));

export async function startSwitchAgent(fdb: { mac: string; port: number; vlan?: number }[]) {
  const port = await freeUdpPort();
  const agent = snmp.createAgent(
    { port, address: "127.0.0.1", accessControlModelType: snmp.AccessControlModelType.None },
    () => {},
  );
  agent.getAuthorizer().addCommunity("public");
  const mib = agent.getMib();
  const notAccessible = snmp.MaxAccess["not-accessible"];
  mib.registerProvider({
    name: "dot1qTpFdbEntry",
    type: snmp.MibProviderType.Table,
    oid: "1.3.6.1.2.1.17.7.1.2.2.1",
    tableColumns: [
      { number: 0, name: "fdbId", type: snmp.ObjectType.Unsigned32, maxAccess: notAccessible },
      { number: 1, name: "address", type: snmp.ObjectType.OctetString, maxAccess: notAccessible },
      { number: 2, name: "port", type: snmp.ObjectType.Integer, maxAccess: snmp.MaxAccess["read-only"] },
    ],
    tableIndex: [{ columnName: "fdbId" }, { columnName: "address", implied: true }],
  });
  mib.registerProvider({
    name: "dot1dTpFdbEntry",
    type: snmp.MibProviderType.Table,
    oid: "1.3.6.1.2.1.17.4.3.1",
    tableColumns: [
      { number: 1, name: "address", type: snmp.ObjectType.OctetString, maxAccess: notAccessible },
      { number: 2, name: "port", type: snmp.ObjectType.Integer, maxAccess: snmp.MaxAccess["read-only"] },
    ],
    tableIndex: [{ columnName: "address", implied: true }],
  });
  for (const e of fdb) {
    mib.addTableRow("dot1qTpFdbEntry", [e.vlan ?? 1, octets(e.mac), e.port]);
    mib.addTableRow("dot1dTpFdbEntry", [octets(e.mac), e.port]);
  }
  return {
    port,
    async [Symbol.asyncDispose]() {
      agent.close();
    },
  };
}
