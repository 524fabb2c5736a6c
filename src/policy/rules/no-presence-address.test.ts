import { describe, expect, it } from 'vitest';
import { ENFORCE_ALL, PolicyFixture, request } from '../../../test/support/policy-fixture.js';
import { isEdgeError } from '../../errors.js';
import { createCommunityFacts } from '../community-facts.js';
import { runRequestChain } from '../run-chain.js';
import { noPresenceAddress } from './no-presence-address.js';

describe('P3 addresses with no presence or IM', () => {
  const { context } = new PolicyFixture();

  it('MUST answer 604 Does Not Exist Anywhere to a SUBSCRIBE or MESSAGE to a configured address, from any sender', () => {
    const subscribe = request('SUBSCRIBE', ['Event: presence'], { uri: 'sip:all-staff@a.example.com' });
    const message = request('MESSAGE', [], { uri: 'sip:all-staff@a.example.com', from: 'sip:carol@c.example.org' });
    expect(noPresenceAddress.check(subscribe, context)).toEqual({ kind: 'reply', status: 604 });
    expect(noPresenceAddress.check(message, context)).toEqual({ kind: 'reply', status: 604 });
  });

  it('MUST match the address whatever its spelling: scheme, case, port and parameters', () => {
    const spelt = request('MESSAGE', [], { uri: 'sips:All-Staff@A.Example.COM:5061;transport=tls' });
    expect(noPresenceAddress.check(spelt, context)).toMatchObject({ kind: 'reply', status: 604 });
  });

  it('MUST let requests to any other address pass, and look only at SUBSCRIBE and MESSAGE', async () => {
    expect(noPresenceAddress.check(request('MESSAGE'), context)).toEqual({ kind: 'pass' });
    const invite = request('INVITE', [], { uri: 'sip:all-staff@a.example.com' });
    expect((await runRequestChain([noPresenceAddress], invite, context, ENFORCE_ALL)).verdict).toEqual({
      kind: 'pass',
    });
  });

  it('Y3 MUST NOT answer 604 in confidential mode: MESSAGE gets 200 and is discarded, SUBSCRIBE 200 with Expires', () => {
    const confidential = new PolicyFixture({ limits: { confidential: true } }).context;
    const message = request('MESSAGE', [], { uri: 'sip:all-staff@a.example.com' });
    expect(noPresenceAddress.check(message, confidential)).toEqual({ kind: 'absorb', status: 200 });
    const subscribe = request('SUBSCRIBE', ['Event: presence', 'Expires: 3600'], {
      uri: 'sip:all-staff@a.example.com',
    });
    expect(noPresenceAddress.check(subscribe, confidential)).toMatchObject({
      kind: 'absorb',
      status: 200,
      headers: expect.arrayContaining([['Expires', '3600']]),
    });
  });

  it('MUST read the configured addresses in any spelling and refuse one that is not an address', () => {
    const facts = createCommunityFacts({
      noPresenceAddresses: ['All-Staff@a.example.com', 'sip:Sales@A.example.com;transport=tcp'],
      trustHeader: 'X-Trust-Level',
    });
    expect([...facts.noPresenceAddresses]).toEqual(['sip:all-staff@a.example.com', 'sip:sales@a.example.com']);
    let code: string | undefined;
    try {
      createCommunityFacts({ noPresenceAddresses: ['not an address'], trustHeader: 'X-Trust-Level' });
    } catch (error) {
      code = isEdgeError(error) ? error.code : String(error);
    }
    expect(code).toBe('CONFIG_INVALID');
  });
});
