// Shell files under node/, embedded as text (imported with `with { type: "text" }`).
declare module "*.sh" {
  const text: string;
  export default text;
}

declare module "bencode" {
  const bencode: {
    encode(value: unknown): Uint8Array;
    decode(data: Uint8Array, encoding?: string): unknown;
  };
  export default bencode;
}

declare module "net-snmp";

// The status page's style sheet, embedded as text (src/admin/page.ts).
declare module "*.css" {
  const text: string;
  export default text;
}
