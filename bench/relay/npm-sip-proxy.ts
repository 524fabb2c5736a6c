// The npm `sip` package's proxy (0.0.6, a dev dependency used by benchmarks only) as a relay: every
// request is sent to the SIPp UAS with a Record-Route and Max-Forwards decremented, like the other two
// proxies. Run as its own process by npm-sip-launcher.ts with one JSON argument.
//
// Its traps: it answers 404 to a next hop with its own IP address, so it gets a distinct
// `publicAddress`; its stream parser applies its header limit to the whole receive buffer, so under
// pipelined load it logs "Flood attempt" and drops the connection (that shows as failed calls).

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

interface NpmSipRequest {
  uri: string | object;
  headers: Record<string, unknown> & { 'max-forwards'?: number | string; 'record-route'?: Array<{ uri: string }> };
}

interface NpmSipProxyModule {
  start(options: Record<string, unknown>, route: (request: NpmSipRequest) => void): void;
  send(message: NpmSipRequest): void;
  stop(): void;
}

export interface NpmSipProxyConfig {
  readonly port: number;
  readonly transport: 'tcp' | 'tls';
  readonly uasPort: number;
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca: string };
}

const PUBLIC_ADDRESS = 'npm-sip.bench.invalid';

function main(): void {
  const config = JSON.parse(process.argv[2] ?? '{}') as NpmSipProxyConfig;
  const proxy = createRequire(import.meta.url)('sip/proxy') as NpmSipProxyModule;
  const uasUri = `sip:bench@127.0.0.1:${config.uasPort};transport=${config.transport}`;
  const recordRoute = `sip:127.0.0.1:${config.port};transport=${config.transport};lr`;
  proxy.start(transportOptions(config), (request) => {
    request.uri = uasUri;
    request.headers['max-forwards'] = Number(request.headers['max-forwards'] ?? 70) - 1;
    request.headers['record-route'] = [{ uri: recordRoute }, ...(request.headers['record-route'] ?? [])];
    proxy.send(request);
  });
  process.on('SIGTERM', () => {
    proxy.stop();
    process.exit(0);
  });
  console.log(`npm sip proxy on ${config.transport} 127.0.0.1:${config.port}, relaying to ${uasUri}`);
}

function transportOptions(config: NpmSipProxyConfig): Record<string, unknown> {
  const base = { address: '127.0.0.1', publicAddress: PUBLIC_ADDRESS, udp: false, logger: {} };
  if (config.transport === 'tcp') return { ...base, port: config.port, tcp: true };
  const tls = config.tls!;
  return {
    ...base,
    tcp: false,
    tls_port: config.port,
    // Used for its TLS server and its TLS client alike: mutual TLS with the bench CA; the peer's name
    // is not checked (the next hop is an IP literal), as with the other proxies.
    tls: {
      cert: readFileSync(tls.cert),
      key: readFileSync(tls.key),
      ca: readFileSync(tls.ca),
      requestCert: true,
      rejectUnauthorized: true,
      checkServerIdentity: () => undefined,
    },
  };
}

main();
