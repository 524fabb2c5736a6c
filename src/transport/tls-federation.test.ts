import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestPki, type IssuedFiles } from '../../test/support/test-pki.js';
import { TlsLab } from '../../test/support/tls-layer.js';
import type { TlsOptions } from './transport-options.js';

const lab = new TlsLab();
let pki: TestPki;
let edgeA: IssuedFiles;
let edgeC: IssuedFiles;
let peer: IssuedFiles;
let revokedPeer: IssuedFiles;
let expiredPeer: IssuedFiles;
let futurePeer: IssuedFiles;
let crlPem: string;

const DAY_MS = 86_400_000;

beforeAll(() => {
  pki = new TestPki();
  edgeA = pki.issue('edge-a', ['a.example.com']);
  edgeC = pki.issue('edge-c', ['c.example.org']);
  peer = pki.issue('peer', ['b.example.net']);
  revokedPeer = pki.issue('revoked-peer', ['b.example.net']);
  pki.revoke('revoked-peer');
  crlPem = pki.crl().pem;
  expiredPeer = pki.issueValid('expired-peer', ['b.example.net'], {
    notBefore: new Date(Date.now() - 3 * DAY_MS),
    notAfter: new Date(Date.now() - DAY_MS),
  });
  futurePeer = pki.issueValid('future-peer', ['b.example.net'], {
    notBefore: new Date(Date.now() + DAY_MS / 2),
    notAfter: new Date(Date.now() + DAY_MS),
  });
});

/** The reasons counted so far, without the zero series every reason starts with. */
function countedReasons(stats: { handshakeFailureReasons: ReadonlyMap<string, number> }): Array<[string, number]> {
  return [...stats.handshakeFailureReasons].filter(([, count]) => count > 0);
}

afterEach(() => lab.close());
afterAll(() => {
  lab.stop();
  pki.dispose();
});

/** The edge serving a.example.com (the default) and c.example.org, trusting the test CA. */
function edgeTls(overrides: Partial<TlsOptions> = {}): TlsOptions {
  return {
    cert: edgeA.cert,
    key: edgeA.key,
    ca: pki.ca,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    certificates: [
      { domain: 'a.example.com', cert: edgeA.cert, key: edgeA.key },
      { domain: 'c.example.org', cert: edgeC.cert, key: edgeC.key },
    ],
    ...overrides,
  };
}

const asPeer = { cert: () => peer.cert, key: () => peer.key };

describe('F3 one certificate per served domain', () => {
  it('F3 serves the certificate of the domain named by SNI, and the first one without SNI', async () => {
    const { port } = await lab.layer(edgeTls());
    const client = { ca: pki.ca, cert: asPeer.cert(), key: asPeer.key() };
    const forC = await lab.handshake(port, { ...client, servername: 'c.example.org' });
    const forA = await lab.handshake(port, { ...client, servername: 'A.Example.com' });
    const unknown = await lab.handshake(port, { ...client, servername: 'unknown.example' });
    const noSni = await lab.handshake(port, client);
    expect(forC.certificate?.subjectaltname).toContain('URI:sip:c.example.org');
    expect(forA.certificate?.subjectaltname).toContain('URI:sip:a.example.com');
    expect(unknown.certificate?.subjectaltname).toContain('URI:sip:a.example.com');
    expect(noSni.certificate?.subjectaltname).toContain('URI:sip:a.example.com');
  });

  it('F3 presents the certificate of the local domain a connection is dialled for', async () => {
    const server = await lab.layer({
      cert: peer.cert,
      key: peer.key,
      ca: pki.ca,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    });
    const dialler = await lab.layer(edgeTls(), { listen: false });
    const flow = await dialler.layer.connect({
      protocol: 'tls',
      side: 'external',
      address: '127.0.0.1',
      port: server.port,
      servername: 'b.example.net',
      localDomain: 'c.example.org',
    });
    flow.send(Buffer.from('\r\n\r\n'));
    await expect.poll(() => [...server.layer.flows].map((f) => f.peerIdentity)).toEqual([['c.example.org']]);
  });
});

describe('F2 outbound identity (RFC 5922 §7.3)', () => {
  it('F2 refuses a server whose certificate names another domain than the one dialled', async () => {
    const server = await lab.layer({
      cert: edgeC.cert,
      key: edgeC.key,
      ca: pki.ca,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    });
    const dialler = await lab.layer(edgeTls(), { listen: false });
    const dial = dialler.layer.connect({
      protocol: 'tls',
      side: 'external',
      address: '127.0.0.1',
      port: server.port,
      servername: 'b.example.net',
    });
    await expect(dial).rejects.toMatchObject({ code: 'PEER_IDENTITY_MISMATCH' });
    expect([...dialler.layer.flows]).toHaveLength(0);
  });

  it('F2 reuses an open connection only for a domain its certificate covers', async () => {
    const server = await lab.layer({
      cert: edgeC.cert,
      key: edgeC.key,
      ca: pki.ca,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    });
    const dialler = await lab.layer(edgeTls(), { listen: false });
    const destination = { protocol: 'tls', side: 'external', address: '127.0.0.1', port: server.port } as const;
    const [forC, forB] = await Promise.allSettled([
      dialler.layer.connect({ ...destination, servername: 'c.example.org' }),
      dialler.layer.connect({ ...destination, servername: 'b.example.net' }),
    ]);
    expect(forC).toMatchObject({ status: 'fulfilled' });
    expect(forB).toMatchObject({ status: 'rejected', reason: { code: 'PEER_IDENTITY_MISMATCH' } });
    await expect(dialler.layer.connect({ ...destination, servername: 'b.example.net' })).rejects.toMatchObject({
      code: 'PEER_IDENTITY_MISMATCH',
    });
    expect(await dialler.layer.connect({ ...destination, servername: 'c.example.org' })).toBe(
      forC.status === 'fulfilled' ? forC.value : undefined,
    );
  });

  it('F2 accepts the same server when dialled for the domain its certificate names', async () => {
    const server = await lab.layer({
      cert: edgeC.cert,
      key: edgeC.key,
      ca: pki.ca,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    });
    const dialler = await lab.layer(edgeTls(), { listen: false });
    const flow = await dialler.layer.connect({
      protocol: 'tls',
      side: 'external',
      address: '127.0.0.1',
      port: server.port,
      servername: 'c.example.org',
    });
    expect(flow.peerIdentity).toEqual(['c.example.org']);
  });
});

describe('F2 TLS 1.2 or newer', () => {
  it('F2 refuses a client that offers only TLS 1.0 and 1.1, and counts the handshake failure', async () => {
    const { layer, port } = await lab.layer(edgeTls());
    const old = await lab.handshake(port, {
      ca: pki.ca,
      cert: peer.cert,
      key: peer.key,
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    });
    expect(old.error).toBeDefined();
    await expect.poll(() => layer.stats.handshakeFailures).toBe(1);
    expect(countedReasons(layer.stats)).toEqual([['protocol-version', 1]]); // O3 the metric's reason label
    expect(old.error).toMatchObject({ code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' }); // OpenSSL's protocol_version alert
    expect([...layer.flows]).toHaveLength(0);
  });

  it('F2 negotiates TLS 1.3 with a client that offers it', async () => {
    const { port } = await lab.layer(edgeTls());
    const modern = await lab.handshake(port, { ca: pki.ca, cert: peer.cert, key: peer.key });
    expect(modern.error).toBeUndefined();
    expect(modern.socket.getProtocol()).toBe('TLSv1.3');
  });

  it('F2 refuses a client without a certificate', async () => {
    const { layer, port } = await lab.layer(edgeTls());
    const anonymous = await lab.handshake(port, { ca: pki.ca });
    expect(anonymous.error).toBeDefined();
    await expect.poll(() => layer.stats.handshakeFailures).toBe(1);
    expect(countedReasons(layer.stats)).toEqual([['no-certificate', 1]]); // O3 the metric's reason label
    expect(anonymous.error).toMatchObject({ code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' }); // RFC 8446 §4.4.2.4
    expect([...layer.flows]).toHaveLength(0);
  });
});

describe('F2 revocation', () => {
  it('F2 refuses a client whose certificate the CA revoked, and accepts another from the same CA', async () => {
    const { layer, port } = await lab.layer(edgeTls({ crl: [crlPem] }));
    const revoked = await lab.handshake(port, { ca: pki.ca, cert: revokedPeer.cert, key: revokedPeer.key });
    expect(revoked.error).toBeDefined();
    await expect.poll(() => layer.stats.handshakeFailures).toBe(1);
    const valid = await lab.handshake(port, { ca: pki.ca, cert: peer.cert, key: peer.key });
    expect(valid.error).toBeUndefined();
    await expect.poll(() => [...layer.flows].map((f) => f.peerIdentity)).toEqual([['b.example.net']]);
  });

  it('F2 checks revocation also when SNI picked a served domain', async () => {
    const { port } = await lab.layer(edgeTls({ crl: [crlPem] }));
    const revoked = await lab.handshake(port, {
      ca: pki.ca,
      cert: revokedPeer.cert,
      key: revokedPeer.key,
      servername: 'c.example.org',
    });
    expect(revoked.error).toBeDefined();
  });

  it('F2 with revocation lists configured, refuses a peer whose CA published none (fail closed)', async () => {
    const other = new TestPki('a CA without a CRL');
    try {
      const stranger = other.issue('stranger', ['d.example.org']);
      const { layer, port } = await lab.layer(edgeTls({ ca: pki.ca + other.ca, crl: [crlPem] }));
      const outcome = await lab.handshake(port, { ca: pki.ca, cert: stranger.cert, key: stranger.key });
      expect(outcome.error).toBeDefined();
      await expect.poll(() => layer.stats.handshakeFailures).toBe(1);
    } finally {
      other.dispose();
    }
  });

  it('F2 refuses to dial a server whose certificate the CA revoked', async () => {
    const server = await lab.layer({
      cert: revokedPeer.cert,
      key: revokedPeer.key,
      ca: pki.ca,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    });
    const dialler = await lab.layer(edgeTls({ crl: [crlPem] }), { listen: false });
    const dial = dialler.layer.connect({
      protocol: 'tls',
      side: 'external',
      address: '127.0.0.1',
      port: server.port,
      servername: 'b.example.net',
    });
    await expect(dial).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
  });
});

describe('F2 a refused client certificate is counted under its own reason', () => {
  async function refusedReason(
    tls: Partial<TlsOptions>,
    client: { cert: string; key: string },
  ): Promise<Array<[string, number]>> {
    const { layer, port } = await lab.layer(edgeTls(tls));
    const outcome = await lab.handshake(port, { ca: pki.ca, ...client });
    expect(outcome.error).toBeDefined();
    await expect.poll(() => layer.stats.handshakeFailures).toBe(1);
    expect([...layer.flows]).toHaveLength(0);
    return countedReasons(layer.stats);
  }

  it('F2 counts a certificate no trusted CA issued as untrusted', async () => {
    const other = new TestPki('an unknown CA');
    try {
      expect(await refusedReason({}, other.issue('stranger', ['b.example.net']))).toEqual([['untrusted', 1]]);
    } finally {
      other.dispose();
    }
  });

  it('F2 counts a revoked certificate as revoked', async () => {
    expect(await refusedReason({ crl: [crlPem] }, revokedPeer)).toEqual([['revoked', 1]]);
  });

  it('F2 counts an expired certificate as expired', async () => {
    expect(await refusedReason({}, expiredPeer)).toEqual([['expired', 1]]);
  });

  it('F2 counts a certificate not valid yet as not-yet-valid', async () => {
    expect(await refusedReason({}, futurePeer)).toEqual([['not-yet-valid', 1]]);
  });

  it('F2 counts a peer whose CA has no CRL loaded, with CRLs configured, as crl-unavailable (fail closed)', async () => {
    const other = new TestPki('a CA without a CRL');
    try {
      expect(
        await refusedReason({ ca: pki.ca + other.ca, crl: [crlPem] }, other.issue('stranger', ['d.example.org'])),
      ).toEqual([['crl-unavailable', 1]]);
    } finally {
      other.dispose();
    }
  });

  it('O3 starts every reason at zero, so the metric has each series before its first failure', async () => {
    const { layer } = await lab.layer(edgeTls());
    expect([...layer.stats.handshakeFailureReasons.keys()]).toEqual([
      'protocol-version',
      'no-certificate',
      'untrusted',
      'revoked',
      'expired',
      'not-yet-valid',
      'crl-unavailable',
      'other',
    ]);
  });
});
