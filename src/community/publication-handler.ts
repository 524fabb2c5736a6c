// PUBLISH for the presence event (RFC 3903 §6, the ESC's processing steps): initial, refresh, modify
// and remove, each answered with a fresh SIP-ETag; a change of state goes to the watchers afterwards.
import type { CommunityConfig } from '../config/community-schema.js';
import { addressOfRecord } from '../sip/address-of-record.js';
import { pidfProblem } from '../sip/pidf-document.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { answer, warningHeader, type LocalAnswer } from './community-answer.js';
import type { RequestOrigin } from './presence-origin.js';
import type { PresencePublications } from './presence-publications.js';
import type { UserDirectory } from './user-directory.js';
import { grantedExpires, requestedExpires } from './requested-expires.js';

export interface PublicationHandlerOptions {
  readonly config: CommunityConfig['presence'];
  readonly directory: UserDirectory;
  readonly publications: PresencePublications;
  /** Tell the presentity's watchers its state changed. */
  readonly changed: (presentity: string) => void;
}

export class PublicationHandler {
  readonly #options: PublicationHandlerOptions;

  constructor(options: PublicationHandlerOptions) {
    this.#options = options;
  }

  async publish(request: IncomingRequest, origin: RequestOrigin): Promise<LocalAnswer> {
    const presentity = origin.target;
    // Only the presentity itself, from inside, publishes its state (RFC 3903 §6 step 2 leaves it to us).
    if (origin.side === 'external' || addressOfRecord(request.from.uri) !== presentity)
      return answer(403, 'RFC 3903 §6 step 2 not the presentity');
    if ((await this.#options.directory.get(presentity)) === undefined)
      return answer(404, 'RFC 3903 §6 no such presentity');
    const expires = this.#expires(request);
    if (expires === 'malformed') return answer(400, 'RFC 3903 §6 Expires');
    if (expires > 0 && expires < this.#options.config.minExpiresSeconds) {
      return answer(423, 'RFC 3903 §6 step 3 Min-Expires', {
        headers: [['Min-Expires', String(this.#options.config.minExpiresSeconds)]],
      });
    }
    const ifMatch = request.headers.get('sip-if-match');
    return ifMatch === undefined
      ? this.#initial(request, presentity, expires)
      : this.#update(request, presentity, ifMatch.trim(), expires);
  }

  async #initial(request: IncomingRequest, presentity: string, expires: number): Promise<LocalAnswer> {
    // §6 step 4: an initial PUBLISH must carry state.
    if (request.body.length === 0 || expires === 0)
      return answer(400, 'RFC 3903 §6 step 4 no body', {
        headers: [warningHeader('an initial PUBLISH needs a PIDF body')],
      });
    const invalid = this.#bodyProblem(request);
    if (invalid !== undefined) return invalid;
    if ((await this.#options.publications.of(presentity)).length >= this.#options.config.maxPublicationsPerPresentity) {
      return answer(403, 'I2 too many publications', {
        headers: [warningHeader('too many publications for this presentity')],
      });
    }
    const publication = await this.#options.publications.put(
      presentity,
      request.body.toString('utf8'),
      this.#granted(expires),
    );
    return this.#accepted(publication.etag, expires, presentity);
  }

  async #update(request: IncomingRequest, presentity: string, etag: string, expires: number): Promise<LocalAnswer> {
    const publications = this.#options.publications;
    const existing = await publications.find(presentity, etag);
    if (existing === undefined) return answer(412, 'RFC 3903 §6 step 5 unknown entity-tag');
    if (expires === 0) {
      await publications.remove(presentity, etag);
      return answer(200, 'RFC 3903 §4.5 removed', {
        headers: [['Expires', '0']],
        afterAnswer: () => this.#options.changed(presentity),
      });
    }
    const modified = request.body.length > 0;
    if (modified) {
      const invalid = this.#bodyProblem(request);
      if (invalid !== undefined) return invalid;
    }
    const body = modified ? request.body.toString('utf8') : existing.body;
    const publication = await publications.put(presentity, body, this.#granted(expires), existing, !modified);
    return modified
      ? this.#accepted(publication.etag, expires, presentity)
      : answer(200, 'RFC 3903 §4.3 refreshed', { headers: this.#tagHeaders(publication.etag, expires) });
  }

  #accepted(etag: string, expires: number, presentity: string): LocalAnswer {
    return answer(200, 'RFC 3903 §6 step 7', {
      headers: this.#tagHeaders(etag, expires),
      afterAnswer: () => this.#options.changed(presentity),
    });
  }

  #tagHeaders(etag: string, expires: number): Array<[string, string]> {
    return [
      ['SIP-ETag', etag],
      ['Expires', String(this.#granted(expires))],
    ];
  }

  #bodyProblem(request: IncomingRequest): LocalAnswer | undefined {
    if (!/^application\/pidf\+xml\b/i.test(request.headers.get('content-type') ?? '')) {
      return answer(415, 'RFC 3903 §6 step 6 not PIDF', { headers: [['Accept', 'application/pidf+xml']] });
    }
    const problem = pidfProblem(request.body.toString('utf8'));
    return problem === undefined ? undefined : answer(400, 'P5 malformed PIDF', { headers: [warningHeader(problem)] });
  }

  #expires(request: IncomingRequest): number | 'malformed' {
    return requestedExpires(request, this.#options.config);
  }

  #granted(expires: number): number {
    return grantedExpires(expires, this.#options.config);
  }
}
