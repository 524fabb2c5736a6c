// Mutual TLS towards peer communities (RFC 5922): our certificates, the trust anchors and
// revocation lists we check peers against, and the handshake limits that keep a flood of slow
// handshakes from starving the listener.
import { z } from 'zod';
import { boundedInt } from './bounded-int.js';
import { domainNameField, filePathField } from './network-fields.js';
import { section } from './section.js';

export const certificateSchema = z
  .strictObject({
    domain: domainNameField(),
    cert: filePathField(),
    key: filePathField(),
  })
  .meta({ examples: [{ domain: 'a.example.com', cert: 'certs/a.example.com.pem', key: 'certs/a.example.com.key' }] });

export type Certificate = z.infer<typeof certificateSchema>;

export const tlsSchema = section(
  z.strictObject({
    certificates: z.array(certificateSchema).default([]),
    /** null: the system trust store. */
    ca: filePathField().nullable().default(null),
    crl: z.array(filePathField()).default([]),
    minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
    handshakeTimeoutMs: boundedInt({ min: 100, max: 60_000, default: 5000 }),
    maxHandshakesInProgress: boundedInt({ min: 1, max: 100_000, default: 256 }),
  }),
);

export type TlsConfig = z.infer<typeof tlsSchema>;
