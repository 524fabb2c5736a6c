// What this community accepts, said to whoever asks (SPEC M3: OPTIONS to the domain or the edge is
// answered here with Allow, Accept and Supported) and to a request in a mode it does not take (M2:
// 488 Not Acceptable Here with a Warning and the same capabilities, RFC 3261 §21.4.26).
import type { CommunityConfig } from '../config/community-schema.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { answer, warningHeader, type LocalAnswer } from './community-answer.js';

export type ImMode = CommunityConfig['imModes'][number];

/** RFC 4975: a session-mode IM offer is SDP with a message media line (MSRP). */
const MESSAGE_MEDIA_LINE = /^m=message /m;

export class CommunityCapabilities {
  readonly #modes: ReadonlySet<ImMode>;

  constructor(options: { imModes: readonly ImMode[] }) {
    this.#modes = new Set(options.imModes);
  }

  /** The headers that describe the community: the methods, bodies and extensions it takes. */
  headers(): Array<[string, string]> {
    const methods = [
      'OPTIONS',
      'REGISTER',
      'SUBSCRIBE',
      'NOTIFY',
      'PUBLISH',
      ...(this.#modes.has('page') ? ['MESSAGE'] : []),
      ...(this.#modes.has('session') ? ['INVITE', 'ACK', 'CANCEL', 'BYE'] : []),
    ];
    const bodies = [
      'application/pidf+xml',
      'text/plain',
      'message/cpim',
      ...(this.#modes.has('session') ? ['application/sdp'] : []),
    ];
    // Supported names no option tag: the built-in registrar does no Path (RFC 3327) or outbound (RFC 5626).
    return [
      ['Allow', methods.join(', ')],
      ['Accept', bodies.join(', ')],
      ['Supported', ''],
      ['Accept-Encoding', 'identity'],
    ];
  }

  /** M3: the answer to OPTIONS addressed to the domain or the edge itself. */
  options(): LocalAnswer {
    return answer(200, 'M3 capabilities', { headers: this.headers() });
  }

  /** M2: a 488 for a request in an IM mode the community does not accept; undefined when it does. */
  refuseMode(request: IncomingRequest): LocalAnswer | undefined {
    const mode = imModeOf(request);
    if (mode === undefined || this.#modes.has(mode)) return undefined;
    const accepted = [...this.#modes]
      .map((m) => (m === 'page' ? 'page mode (MESSAGE)' : 'session mode (INVITE with MSRP)'))
      .join(' and ');
    return answer(488, `M2 ${mode} mode not accepted`, {
      headers: [
        warningHeader(`${mode} mode IM is not accepted here; this community takes ${accepted}`),
        ...this.headers(),
      ],
    });
  }
}

function imModeOf(request: IncomingRequest): ImMode | undefined {
  if (request.method === 'MESSAGE') return 'page';
  if (request.method !== 'INVITE' || !/^application\/sdp/i.test(request.headers.get('content-type') ?? ''))
    return undefined;
  return MESSAGE_MEDIA_LINE.test(request.body.toString('latin1')) ? 'session' : undefined;
}
