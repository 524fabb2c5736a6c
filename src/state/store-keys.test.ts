import { describe, expect, it } from 'vitest';
import { storeKey } from './store-keys.js';

describe('store keys of the border policy and the community (O3, O7)', () => {
  it('MUST keep a store key readable, and hash a part too long for one', () => {
    expect(storeKey('cached604', 'sip:bob@b.example.net')).toBe('604:sip:bob@b.example.net');
    expect(storeKey('tombstone', `sip:${'x'.repeat(600)}@a.example.com`)).toMatch(/^tombstone:sha256:[0-9a-f]{64}$/);
  });
});
