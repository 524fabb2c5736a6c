// P5 (003 §5.2): presence crosses the border as PIDF. A presence SUBSCRIBE without Accept gets
// `Accept: application/pidf+xml`; a NOTIFY from a peer that claims PIDF must be well-formed XML with a
// PIDF <presence> root, else 400. Unknown extensions (RPID, CIPID, …) are not touched.

import { parseContentType } from '../../sip/media-type.js';
import { pidfProblem } from '../../sip/pidf-document.js';
import { defineRequestRule, edit, pass, reply } from '../rule.js';

export const presenceAccept = defineRequestRule({
  id: 'P5',
  name: 'presence-accept',
  phase: 'inbound-request',
  methods: ['SUBSCRIBE'],
  check(request) {
    const isPresence = /^presence\s*(;|$)/i.test(request.headers.get('event') ?? '');
    return isPresence && !request.headers.has('accept')
      ? edit({ op: 'set', name: 'Accept', value: 'application/pidf+xml' })
      : pass();
  },
});

export const pidfBody = defineRequestRule({
  id: 'P5',
  name: 'pidf-body',
  phase: 'inbound-request',
  methods: ['NOTIFY'],
  check(request) {
    const contentType = request.headers.get('content-type');
    if (contentType === undefined || request.body.length === 0) return pass();
    const media = parseContentType(contentType);
    if (media.type !== 'application' || media.subtype !== 'pidf+xml') return pass();
    const problem = pidfProblem(request.body.toString('utf8'));
    return problem === undefined ? pass() : reply(400, `Bad PIDF: ${problem}`);
  },
});
