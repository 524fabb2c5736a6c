import { describe, expect, it } from 'vitest';
import { EdgeError } from '../errors.js';
import { StateError } from '../state/state-error.js';
import { storeOutageAnswer } from './store-outage.js';

describe('O7 store outage answer', () => {
  it('O7 maps a store that does not answer (or is closed) to 503 with Retry-After, counted as store-unavailable', () => {
    for (const code of ['STATE_UNAVAILABLE', 'STATE_CLOSED'] as const) {
      const answer = storeOutageAnswer(new StateError(code, 'Redis: connect ECONNREFUSED'));
      expect(answer).toMatchObject({ status: 503, headers: [['Retry-After', '5']], because: 'O7 store-unavailable' });
      expect(answer?.detail).toContain(code);
    }
  });

  it('O7 leaves every other failure to the 500 path: a programming error is not an outage', () => {
    expect(storeOutageAnswer(new StateError('STATE_ARGUMENT_INVALID', 'key too long'))).toBeUndefined();
    expect(storeOutageAnswer(new StateError('STATE_WRONG_KIND', 'a counter'))).toBeUndefined();
    expect(storeOutageAnswer(new EdgeError('CONFIG_INVALID', 'x'))).toBeUndefined();
    expect(storeOutageAnswer(new Error('STATE_UNAVAILABLE'))).toBeUndefined();
  });
});
