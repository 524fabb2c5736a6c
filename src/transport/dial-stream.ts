// Opening a TCP or TLS connection to a peer (SPEC F4: connections are opened on demand). The TLS
// client presents the certificate of the local domain it speaks for (mutual TLS, SPEC F2, F3), sends
// the target domain as SNI, and refuses a server whose certificate does not cover that domain.

import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import type { Clock } from '../clock/clock.js';
import { identityCovers, peerIdentityOf } from './peer-identity.js';
import type { TlsMaterial } from './tls-material.js';
import { TransportError } from './transport-error.js';

export interface StreamDestination {
  readonly protocol: 'tcp' | 'tls';
  readonly address: string;
  readonly port: number;
  /** The target domain (RFC 5922 §4): sent as SNI (RFC 6066), and the server must prove it. */
  readonly servername?: string;
  /** The served domain the connection speaks for: its certificate is presented (SPEC F3). */
  readonly localDomain?: string;
  /** Names the server may prove instead of `servername` (D1 `routes[].identity`). */
  readonly acceptedIdentities?: readonly string[];
}

/** Resolves with the connected (for TLS: handshaken) socket; rejects with a TransportError. */
export function dialStream(
  destination: StreamDestination,
  tls: TlsMaterial | undefined,
  clock: Clock,
  timeoutMs: number,
): Promise<Socket> {
  const where = destination.address.includes(':')
    ? `[${destination.address}]:${destination.port}`
    : `${destination.address}:${destination.port}`;
  if (destination.protocol === 'tls' && tls === undefined) {
    return Promise.reject(
      new TransportError('TLS_NOT_CONFIGURED', `cannot dial tls ${where}: no certificate configured`),
    );
  }
  const socket =
    destination.protocol === 'tls'
      ? openTls(destination, tls!)
      : connectTcp({ host: destination.address, port: destination.port, noDelay: true });
  const readyEvent = destination.protocol === 'tls' ? 'secureConnect' : 'connect';
  return new Promise((resolve, reject) => {
    const fail = (error: TransportError): void => {
      timer.cancel();
      socket.off(readyEvent, onReady);
      socket.off('error', onError);
      socket.on('error', ignore);
      socket.destroy();
      reject(error);
    };
    const onError = (error: Error): void =>
      fail(
        new TransportError('CONNECT_FAILED', `${destination.protocol} ${where}: ${error.message}`, { cause: error }),
      );
    const onReady = (): void => {
      const mismatch =
        destination.protocol === 'tls'
          ? identityMismatch(socket as TLSSocket, destination.servername, destination.acceptedIdentities)
          : undefined;
      if (mismatch !== undefined)
        return fail(new TransportError('PEER_IDENTITY_MISMATCH', `tls ${where}: ${mismatch}`));
      timer.cancel();
      socket.off('error', onError);
      // Until the layer adopts the socket (a microtask away), an error must not go unhandled; a socket
      // that died meanwhile is found destroyed at adoption.
      socket.on('error', ignore);
      resolve(socket);
    };
    const timer = clock.setTimer(timeoutMs, () =>
      fail(
        new TransportError('CONNECT_TIMEOUT', `${destination.protocol} ${where}: no connection within ${timeoutMs} ms`),
      ),
    );
    socket.once(readyEvent, onReady);
    socket.once('error', onError);
  });
}

// Node's HTTPS-style host check would reject URI:sip: names, so it is off and RFC 5922 §7.2 matching
// is done on the verified certificate once the handshake is over (identityMismatch). The material's
// contexts carry the CA bundle, CRLs and minimum version; Node never offers TLS compression (SPEC F6).
function openTls(destination: StreamDestination, tls: TlsMaterial): Socket {
  return connectTls({
    host: destination.address,
    port: destination.port,
    servername: domainName(destination.servername),
    secureContext: tls.contextForLocalDomain(destination.localDomain),
    rejectUnauthorized: tls.options.rejectUnauthorized,
    checkServerIdentity: () => undefined,
  });
}

/**
 * RFC 5922 §7.3: the server's certificate must chain to a trusted CA (§7.1: an identity only then)
 * and name the target domain; why not, or undefined when it does. An IP literal or no name at all
 * (a configured next hop given as an address) leaves only the chain to check.
 */
function identityMismatch(
  socket: TLSSocket,
  servername: string | undefined,
  accepted: readonly string[] | undefined,
): string | undefined {
  const domain = domainName(servername);
  if (domain === undefined) return undefined;
  if (!socket.authorized)
    return `the certificate is not verified (${String(socket.authorizationError)}), so it proves no domain`;
  const identity = peerIdentityOf(socket.getPeerCertificate());
  const names = accepted ?? [domain];
  if (names.some((name) => identityCovers(identity, name))) return undefined;
  return `the certificate names ${identity === undefined || identity.length === 0 ? 'no SIP domain' : identity.join(', ')}, not ${names.join(' or ')}`;
}

function domainName(servername: string | undefined): string | undefined {
  return servername !== undefined && servername !== '' && isIP(servername) === 0 ? servername : undefined;
}

function ignore(): void {}
