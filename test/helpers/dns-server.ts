// A real DNS server (dns2, UDP) on 127.0.0.1 with a small zone table, so the abandoned-domain
// checker is tested against the resolver it uses in production (node:dns Resolver) and never
// reaches the internet. A name absent from the table answers NXDOMAIN; a name present without
// records of the asked type answers NOERROR with no answers (NODATA).
import dns2 from 'dns2';

const { Packet } = dns2;
// RFC 1035 §4.1.1 response codes (dns2's typings lack its Packet.RCODE table).
const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;

export interface ZoneEntry {
  /** `exchange: '.'` with priority 0 is a null MX (RFC 7505). */
  mx?: Array<{ exchange: string; priority: number }>;
  a?: string[];
  aaaa?: string[];
  ns?: string[];
  /** Answer every question about this name with SERVFAIL. */
  servfail?: boolean;
  /** Never answer questions about this name (the resolver times out). */
  silent?: boolean;
}

export type Zone = Record<string, ZoneEntry>;

export interface TestDnsServer {
  /** `127.0.0.1:<port>`, the form BULWARK_DNS_SERVERS takes. */
  address: string;
  zone: Zone;
  /** Questions received, `name TYPE`, in order. */
  queries: string[];
  close(): Promise<void>;
}

const TYPE_NAMES: Record<number, string> = { 1: 'A', 2: 'NS', 15: 'MX', 28: 'AAAA' };

export async function startDnsServer(zone: Zone): Promise<TestDnsServer> {
  const queries: string[] = [];
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      if (!question) return void send(response);
      const name = question.name.toLowerCase().replace(/\.$/, '');
      const type = TYPE_NAMES[question.type] ?? String(question.type);
      queries.push(`${name} ${type}`);
      const entry = zone[name];
      if (entry?.silent) return;
      if (!entry) {
        response.header.rcode = RCODE_NXDOMAIN;
        return void send(response);
      }
      if (entry.servfail) {
        response.header.rcode = RCODE_SERVFAIL;
        return void send(response);
      }
      const base = { name: question.name, class: Packet.CLASS.IN, ttl: 60 };
      if (type === 'MX') for (const mx of entry.mx ?? []) response.answers.push({ ...base, type: Packet.TYPE.MX, exchange: mx.exchange, priority: mx.priority } as never);
      if (type === 'A') for (const address of entry.a ?? []) response.answers.push({ ...base, type: Packet.TYPE.A, address } as never);
      if (type === 'AAAA') for (const address of entry.aaaa ?? []) response.answers.push({ ...base, type: Packet.TYPE.AAAA, address } as never);
      if (type === 'NS') for (const ns of entry.ns ?? []) response.answers.push({ ...base, type: Packet.TYPE.NS, ns } as never);
      send(response);
    },
  });
  await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  const { udp } = server.addresses() as { udp: { port: number } };
  return {
    address: `127.0.0.1:${udp.port}`,
    zone,
    queries,
    async close() {
      await server.close();
    },
  };
}
