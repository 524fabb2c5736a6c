// Opening a TCP or TLS connection to a peer (SPEC F4: connections are opened on demand). The TLS
// client presents the edge's certificate (mutual TLS, SPEC F2) and sends SNI when given a name.

import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { Clock } from '../clock/clock.js';
import { TransportError } from './transport-error.js';
import type { TlsOptions } from './transport-options.js';

export interface StreamDestination {
  readonly protocol: 'tcp' | 'tls';
  readonly address: string;
  readonly port: number;
  /** TLS SNI (RFC 6066); never an IP literal. */
  readonly servername?: string;
}

/** Resolves with the connected (for TLS: handshaken) socket; rejects with a TransportError. */
export function dialStream(destination: StreamDestination, tls: TlsOptions | undefined, clock: Clock, timeoutMs: number): Promise<Socket> {
  const where = destination.address.includes(':') ? `[${destination.address}]:${destination.port}` : `${destination.address}:${destination.port}`;
  if (destination.protocol === 'tls' && tls === undefined) {
    return Promise.reject(new TransportError('TLS_NOT_CONFIGURED', `cannot dial tls ${where}: no certificate configured`));
  }
  const socket = destination.protocol === 'tls' ? openTls(destination, tls!) : connectTcp({ host: destination.address, port: destination.port, noDelay: true });
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
    const onError = (error: Error): void => fail(new TransportError('CONNECT_FAILED', `${destination.protocol} ${where}: ${error.message}`, { cause: error }));
    const onReady = (): void => {
      timer.cancel();
      socket.off('error', onError);
      // Until the layer adopts the socket (a microtask away), an error must not go unhandled; a socket
      // that died meanwhile is found destroyed at adoption.
      socket.on('error', ignore);
      resolve(socket);
    };
    const timer = clock.setTimer(timeoutMs, () => fail(new TransportError('CONNECT_TIMEOUT', `${destination.protocol} ${where}: no connection within ${timeoutMs} ms`)));
    socket.once(readyEvent, onReady);
    socket.once('error', onError);
  });
}

// The peer's domain is checked against the verified certificate by the layers above (RFC 5922 §7.2
// matches SIP domains, including URI:sip: names, which Node's HTTPS-style host check would reject),
// so only the chain is verified here. Node never offers TLS compression (SPEC F6).
function openTls(destination: StreamDestination, tls: TlsOptions): Socket {
  const servername = destination.servername !== undefined && isIP(destination.servername) === 0 ? destination.servername : undefined;
  return connectTls({
    host: destination.address, port: destination.port, servername,
    cert: tls.cert, key: tls.key, ca: tls.ca, minVersion: tls.minVersion,
    rejectUnauthorized: tls.rejectUnauthorized, checkServerIdentity: () => undefined,
  });
}

function ignore(): void {}
