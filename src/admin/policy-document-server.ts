// G2: the HTTPS listener that publishes this community's federation policy document at
// /.well-known/sip-federation-policy.xml, with the served domain's own certificate (chosen by SNI,
// as on the SIP listener), so a peer can check it comes from the domain it federates with. It serves
// nothing else. Operators who would rather publish it from their web server copy the admin
// listener's /.well-known/sip-federation-policy.xml there (docs/OPERATIONS.md).

import { createServer, type Server } from 'node:https';
import { POLICY_DOCUMENT_PATH } from '../config/policy-document.js';
import { TlsMaterial } from '../transport/tls-material.js';
import type { TlsOptions } from '../transport/transport-options.js';
import { boundAddress, closeServer, listenOn } from './http-listening.js';

export interface PolicyDocumentServerOptions {
  readonly address: string;
  readonly port: number;
  readonly tls: TlsOptions;
  /** The document as it stands now (it changes on reload). */
  document(): string;
}

export class PolicyDocumentServer {
  readonly #server: Server;
  readonly #options: PolicyDocumentServerOptions;

  constructor(options: PolicyDocumentServerOptions) {
    this.#options = options;
    const material = new TlsMaterial(options.tls);
    const { cert, key, minVersion } = material.defaultContextOptions;
    this.#server = createServer(
      {
        cert,
        key,
        minVersion,
        SNICallback: (servername, done) =>
          done(null, material.contextForServerName(servername) ?? material.contextForLocalDomain(undefined)),
      },
      (request, response) => {
        const path = new URL(request.url ?? '/', 'https://policy').pathname;
        if (path !== POLICY_DOCUMENT_PATH || (request.method !== 'GET' && request.method !== 'HEAD')) {
          response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
          return;
        }
        const body = options.document();
        response.writeHead(200, {
          'content-type': 'application/xml; charset=utf-8',
          'content-length': Buffer.byteLength(body),
          'cache-control': 'max-age=300',
        });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
    );
  }

  get port(): number {
    return boundAddress(this.#server, 'policy document listener').port;
  }

  listen(): Promise<void> {
    return listenOn(this.#server, this.#options.port, this.#options.address);
  }

  close(): Promise<void> {
    return closeServer(this.#server);
  }
}
