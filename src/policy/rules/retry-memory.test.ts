import { describe, expect, it } from 'vitest';
import { PolicyFixture, request, response } from '../../../test/support/policy-fixture.js';
import { inboundRetryAnswer, outboundRetryAnswer, rememberRetryAnswer } from './retry-memory.js';

const page = (body: string, options: { callId?: string; from?: string; toTag?: string } = {}) =>
  request('MESSAGE', ['Content-Type: text/plain'], { body, ...options });

describe('P2 retries after a 4xx', () => {
  it('MUST answer an automatic retry of the same MESSAGE within the window with the same final response', async () => {
    const fixture = PolicyFixture.withMemoryStore();
    await rememberRetryAnswer.check(page('hello'), response(404, 'MESSAGE', [], 'Not Found'), fixture.context);
    fixture.advanceSeconds(10);
    const retry = await inboundRetryAnswer.check(page('hello', { callId: 'retry-2@b.example.net' }), fixture.context);
    expect(retry).toEqual({
      kind: 'reply',
      status: 404,
      reason: 'Not Found',
      headers: [['Warning', '399 simple-edge "P2 repeated request answered at the border"']],
    });
  });

  it('MUST let a new user action through: another body, another sender, another event package', async () => {
    const fixture = PolicyFixture.withMemoryStore();
    await rememberRetryAnswer.check(page('hello'), response(480, 'MESSAGE'), fixture.context);
    expect(await inboundRetryAnswer.check(page('hello again'), fixture.context)).toEqual({ kind: 'pass' });
    expect(await inboundRetryAnswer.check(page('hello', { from: 'sip:carol@b.example.net' }), fixture.context)).toEqual(
      { kind: 'pass' },
    );
    const subscribe = (event: string) => request('SUBSCRIBE', [`Event: ${event}`]);
    await rememberRetryAnswer.check(subscribe('presence'), response(489, 'SUBSCRIBE'), fixture.context);
    expect(await inboundRetryAnswer.check(subscribe('presence'), fixture.context)).toMatchObject({
      kind: 'reply',
      status: 489,
    });
    expect(await inboundRetryAnswer.check(subscribe('dialog'), fixture.context)).toEqual({ kind: 'pass' });
  });

  it('MUST NOT remember 430 Flow Failed (I6): the client re-registers over a new flow and the same MESSAGE then arrives', async () => {
    const fixture = PolicyFixture.withMemoryStore();
    await rememberRetryAnswer.check(page('hello'), response(430, 'MESSAGE', [], 'Flow Failed'), fixture.context);
    expect(await inboundRetryAnswer.check(page('hello'), fixture.context)).toEqual({ kind: 'pass' });
  });

  it('MUST forget the answer once retryWindowSeconds have passed', async () => {
    const fixture = PolicyFixture.withMemoryStore({ limits: { retryWindowSeconds: 300 } });
    await rememberRetryAnswer.check(page('hello'), response(403, 'MESSAGE'), fixture.context);
    fixture.advanceSeconds(299);
    expect(await inboundRetryAnswer.check(page('hello'), fixture.context)).toMatchObject({ status: 403 });
    fixture.advanceSeconds(1);
    expect(await inboundRetryAnswer.check(page('hello'), fixture.context)).toEqual({ kind: 'pass' });
  });

  it("MUST work in the outbound direction too: a peer's 4xx answers this community's retries", async () => {
    const fixture = PolicyFixture.withMemoryStore({ direction: 'outbound' });
    const toPeer = () =>
      request('MESSAGE', ['Content-Type: text/plain'], {
        uri: 'sip:bob@b.example.net',
        from: 'sip:alice@a.example.com',
        body: 'hi',
      });
    await rememberRetryAnswer.check(toPeer(), response(404, 'MESSAGE', [], 'Not Found'), fixture.context);
    expect(await outboundRetryAnswer.check(toPeer(), fixture.context)).toMatchObject({
      kind: 'reply',
      status: 404,
      reason: 'Not Found',
    });
  });

  it('MUST NOT remember a 4xx that asks for a changed retry (401, 407, 423, 429, 491), nor 2xx, 5xx or 6xx', async () => {
    const fixture = PolicyFixture.withMemoryStore();
    for (const status of [401, 407, 408, 423, 429, 491, 200, 202, 500, 503, 603]) {
      await rememberRetryAnswer.check(page(`status ${status}`), response(status, 'MESSAGE'), fixture.context);
    }
    expect(await fixture.store.list('retry:')).toEqual([]);
  });

  it('MUST leave requests inside a dialog alone', async () => {
    const fixture = PolicyFixture.withMemoryStore();
    await rememberRetryAnswer.check(page('in dialog', { toTag: 'a9' }), response(404, 'MESSAGE'), fixture.context);
    expect(await fixture.store.list('retry:')).toEqual([]);
    await rememberRetryAnswer.check(page('in dialog'), response(404, 'MESSAGE'), fixture.context);
    expect(await inboundRetryAnswer.check(page('in dialog', { toTag: 'a9' }), fixture.context)).toEqual({
      kind: 'pass',
    });
  });

  it('MUST keep each answer under retry:<sha256> with the sender and target it concerns', async () => {
    const fixture = PolicyFixture.withMemoryStore();
    await rememberRetryAnswer.check(page('hello'), response(404, 'MESSAGE', [], 'Not Found'), fixture.context);
    const [entry] = await fixture.store.list('retry:');
    expect(entry?.key).toMatch(/^retry:[0-9a-f]{64}$/);
    expect(entry?.value).toEqual({
      method: 'MESSAGE',
      sender: 'sip:bob@b.example.net',
      target: 'sip:alice@a.example.com',
      status: 404,
      reason: 'Not Found',
      storedAt: fixture.nowMs,
    });
  });
});

describe('P2 marks the senders it remembers answers for', () => {
  it('MUST mark the sender under retry-sender:<address-of-record> for the window, and look up only marked senders', async () => {
    const fixture = PolicyFixture.withMemoryStore({ limits: { retryWindowSeconds: 300 } });
    await rememberRetryAnswer.check(page('hello'), response(404, 'MESSAGE'), fixture.context);
    const [marker] = await fixture.store.list('retry-sender:');
    expect(marker).toEqual({
      key: 'retry-sender:sip:bob@b.example.net',
      value: true,
      expiresAt: fixture.nowMs + 300_000,
    });
    expect(await inboundRetryAnswer.check(page('hello'), fixture.context)).toMatchObject({
      kind: 'reply',
      status: 404,
    });
    // Without the marker the remembered answer is not looked up at all.
    await fixture.store.delete('retry-sender:sip:bob@b.example.net');
    expect(await inboundRetryAnswer.check(page('hello'), fixture.context)).toEqual({ kind: 'pass' });
  });
});
