// Test helper: the two far ends an edge meets in the subscription and presence tests — an endpoint
// on the community's side and one in the peer community b.example.net that speaks mutual TLS with
// that domain's certificate — with the certificates and ports they share: the edge's internal and
// external listeners, then the community's and the peer's endpoints.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  LOCAL_DOMAIN,
  makeCertificates,
  PEER_DOMAIN,
  PortAllocator,
  type CertificateFiles,
} from '../../support/edge-harness.js';
import { SipEndpoint, sipMessage, type TlsIdentity } from './sip-endpoint.js';

export interface EndpointPorts {
  readonly internal: number;
  readonly external: number;
  readonly community: number;
  readonly peer: number;
}

export interface EndpointLab {
  readonly workDir: string;
  readonly files: CertificateFiles;
  /** For further ports (the admin listener …). */
  readonly allocator: PortAllocator;
  readonly ports: EndpointPorts;
  readonly community: SipEndpoint;
  readonly peer: SipEndpoint;
  /** What the peer endpoint presents and trusts. */
  readonly peerIdentity: TlsIdentity;
  /** One connection from each endpoint to the edge: the community's to its internal listener, the peer's (mutual TLS) to its external one. */
  connectToEdge(): Promise<{ toInternal: Socket; toExternal: Socket }>;
  /**
   * bob of the peer community sends alice of this one a page-mode MESSAGE over `toExternal` (a mutual
   * TLS connection to the edge's external listener); resolves with the final status.
   */
  messageFromPeer(toExternal: Socket, message: { readonly callId: string; readonly body: string }): Promise<number>;
  /** Closes both endpoints, then stops the edge (`stopEdge`), then removes the work directory. */
  close(stopEdge: () => Promise<void>): Promise<void>;
}

export async function openEndpointLab(name: string): Promise<EndpointLab> {
  const workDir = mkdtempSync(path.join(tmpdir(), `simple-edge-${name}-`));
  const files = makeCertificates(workDir);
  const allocator = new PortAllocator();
  const first = allocator.take(4);
  const ports: EndpointPorts = { internal: first, external: first + 1, community: first + 2, peer: first + 3 };
  const peerFiles = files.byDomain[PEER_DOMAIN]!;
  const peerIdentity: TlsIdentity = {
    cert: readFileSync(peerFiles.cert),
    key: readFileSync(peerFiles.key),
    ca: readFileSync(files.ca),
  };
  const community = await SipEndpoint.listen({ name: 'community', port: ports.community });
  const peer = await SipEndpoint.listen({ name: 'peer', port: ports.peer, tls: peerIdentity });
  let cseq = 0;
  return {
    workDir,
    files,
    allocator,
    ports,
    community,
    peer,
    peerIdentity,
    connectToEdge: async () => ({
      toInternal: await community.connect(ports.internal),
      toExternal: await peer.connect(ports.external, peerIdentity),
    }),
    messageFromPeer: async (toExternal, { callId, body }) => {
      cseq++;
      const lines = [
        `MESSAGE sip:alice@${LOCAL_DOMAIN} SIP/2.0`,
        `Via: SIP/2.0/TLS 127.0.0.1:${ports.peer};branch=${peer.nextBranch()}`,
        'Max-Forwards: 70',
        `From: <sip:bob@${PEER_DOMAIN}>;tag=m${cseq}`,
        `To: <sip:alice@${LOCAL_DOMAIN}>`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq} MESSAGE`,
        'Content-Type: text/plain',
      ];
      return (await peer.request(toExternal, sipMessage(lines, body))).status;
    },
    close: async (stopEdge) => {
      await Promise.allSettled([community.close(), peer.close()]);
      await stopEdge();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
