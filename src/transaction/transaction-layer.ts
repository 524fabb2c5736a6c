// The transaction layer (RFC 3261 §17): the table of live transactions, matching of every message
// the transport hands in (§17.1.3 responses, §17.2.3 requests, §9.2 CANCEL), and the hand-over of
// whatever matches nothing to the transaction user. Entries leave the table on Terminated, so the
// table holds only live transactions.

import type { Clock } from '../clock/clock.js';
import type { IncomingRequest, IncomingResponse } from '../sip/incoming-message.js';
import type { OutgoingMessage } from '../sip/outgoing-message.js';
import type { Flow } from '../transport/flow.js';
import { ClientInviteTransaction } from './client-invite-transaction.js';
import { ClientNonInviteTransaction } from './client-non-invite-transaction.js';
import type { ClientTransaction, ClientTransactionHandlers } from './client-transaction.js';
import type { ResponseSender } from './response-sender.js';
import { ServerInviteTransaction } from './server-invite-transaction.js';
import { ServerNonInviteTransaction } from './server-non-invite-transaction.js';
import type { TransactionContext } from './transaction.js';
import { clientTransactionKey, isRfc3261Branch, serverTransactionKey } from './transaction-key.js';
import { TransactionStateError } from './transaction-state-error.js';
import { validateTransactionTimers, type TransactionTimers } from './transaction-timers.js';
import type { TransactionUser } from './transaction-user.js';

export type { ResponseSender } from './response-sender.js';
export type { TransactionUser } from './transaction-user.js';

export interface TransactionLayerOptions {
  readonly clock: Clock;
  readonly timers: TransactionTimers;
  readonly user: TransactionUser;
  readonly responseSender: ResponseSender;
}

export interface SendRequestOptions {
  /** The request, its top Via already carrying `branch`. */
  readonly request: OutgoingMessage;
  readonly branch: string;
  readonly flow: Flow;
  /** The request's method (CANCEL shares the INVITE's branch; the method tells them apart). */
  readonly method: string;
  readonly handlers: ClientTransactionHandlers;
}

/**
 * The layer before its user exists, for a user that depends on it: the edge's own in-dialog requests
 * and the proxy core start client transactions on it, and it receives nothing until attach() hands it
 * the user and returns the full layer. Only the full layer has receive().
 */
export interface UnattachedTransactionLayer {
  sendRequest(options: SendRequestOptions): ClientTransaction;
  findInviteServerTransaction(cancel: IncomingRequest, flow: Flow): ServerInviteTransaction | undefined;
  attach(user: TransactionUser): TransactionLayer;
}

/** An unattached layer's user: receive() drops every message while it stands in. */
const NO_USER_YET: TransactionUser = Object.freeze({
  onRequest: () => undefined,
  onAck: () => undefined,
  onStrayResponse: () => undefined,
});

type AnyServerTransaction = ServerInviteTransaction | ServerNonInviteTransaction;
type AnyClientTransaction = ClientInviteTransaction | ClientNonInviteTransaction;

export class TransactionLayer {
  readonly #clock: Clock;
  readonly #timers: TransactionTimers;
  #user: TransactionUser;
  readonly #responseSender: ResponseSender;
  readonly #servers = new Map<string, AnyServerTransaction>();
  readonly #clients = new Map<string, AnyClientTransaction>();
  /** Client transactions by flow id, so a closed flow fails its transactions at once (§17.1.4). */
  readonly #clientsByFlow = new Map<string, Set<AnyClientTransaction>>();
  #drainWaiters: Array<() => void> = [];
  #closed = false;

  constructor(options: TransactionLayerOptions) {
    this.#clock = options.clock;
    this.#timers = validateTransactionTimers(options.timers);
    this.#user = options.user;
    this.#responseSender = options.responseSender;
  }

  /** A layer whose user is given later, once, through attach() (see UnattachedTransactionLayer). */
  static unattached(options: Omit<TransactionLayerOptions, 'user'>): UnattachedTransactionLayer {
    const layer = new TransactionLayer({ ...options, user: NO_USER_YET });
    return {
      sendRequest: (request) => layer.sendRequest(request),
      findInviteServerTransaction: (cancel, flow) => layer.findInviteServerTransaction(cancel, flow),
      attach: (user) => {
        if (layer.#user !== NO_USER_YET) throw new TransactionStateError('transaction layer', 'attached', 'attach');
        layer.#user = user;
        return layer;
      },
    };
  }

  /** Live transactions, server and client. */
  get size(): number {
    return this.#servers.size + this.#clients.size;
  }

  /** Every parsed (and validated) message from the transport. Dropped after close(). */
  receive(message: IncomingRequest | IncomingResponse, flow: Flow): void {
    if (this.#closed || this.#user === NO_USER_YET) return;
    if (message.kind === 'response') this.#receiveResponse(message, flow);
    else if (message.method === 'ACK') this.#receiveAck(message, flow);
    else this.#receiveRequest(message, flow);
  }

  /** Start a client transaction and send its request (§17.1). ACK has none: send it on the flow. */
  sendRequest(options: SendRequestOptions): ClientTransaction {
    if (this.#closed) throw new TransactionStateError('transaction layer', 'closed', `send a ${options.method}`);
    if (options.method === 'ACK')
      throw new TransactionStateError('transaction layer', 'open', 'start a client transaction for an ACK');
    const id = clientTransactionKey(options.branch, options.method);
    if (this.#clients.has(id))
      throw new TransactionStateError(
        'transaction layer',
        'open',
        `start a second ${options.method} with branch ${options.branch}`,
      );
    const context = this.#context(id, options.flow);
    const transaction =
      options.method === 'INVITE'
        ? new ClientInviteTransaction(context, options)
        : new ClientNonInviteTransaction(context, options);
    this.#addClient(transaction);
    transaction.start();
    return transaction;
  }

  /** §9.2: the INVITE server transaction a CANCEL is for, matched as the INVITE would be. */
  findInviteServerTransaction(cancel: IncomingRequest, flow: Flow): ServerInviteTransaction | undefined {
    const transaction = this.#servers.get(serverTransactionKey(cancel, flow.id, 'INVITE'));
    return transaction instanceof ServerInviteTransaction ? transaction : undefined;
  }

  /** The transport reports a flow closed: client transactions still waiting on it fail now (§17.1.4). */
  flowClosed(flow: Flow): void {
    const transactions = this.#clientsByFlow.get(flow.id);
    if (transactions === undefined) return;
    for (const transaction of [...transactions]) transaction.flowClosed();
  }

  /**
   * Transactions still waiting for a final response (server: trying, proceeding; client: calling,
   * trying, proceeding). Those answered only absorb retransmissions, so a graceful shutdown waits
   * for this to reach zero rather than for every timer J or K to run out.
   */
  get unanswered(): number {
    let n = 0;
    for (const t of this.#servers.values()) if (t.state === 'trying' || t.state === 'proceeding') n++;
    for (const t of this.#clients.values())
      if (t.state === 'calling' || t.state === 'trying' || t.state === 'proceeding') n++;
    return n;
  }

  /** Resolves once no transaction is live (graceful shutdown: stop accepting, then drain). */
  drain(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Terminate every transaction and cancel its timers, telling no handler; later messages are dropped. */
  close(): void {
    this.#closed = true;
    for (const transaction of [...this.#servers.values(), ...this.#clients.values()]) transaction.terminate();
  }

  #receiveResponse(response: IncomingResponse, flow: Flow): void {
    const branch = response.topVia.branch;
    const transaction =
      branch === undefined ? undefined : this.#clients.get(clientTransactionKey(branch, response.cseq.method));
    if (transaction === undefined) this.#user.onStrayResponse(response, flow);
    else transaction.receiveResponse(response);
  }

  #receiveRequest(request: IncomingRequest, flow: Flow): void {
    const id = serverTransactionKey(request, flow.id, request.method);
    const existing = this.#servers.get(id);
    if (existing !== undefined) return existing.receiveRetransmission();
    const context = this.#context(id, flow);
    const options = { request, responseSender: this.#responseSender };
    const transaction =
      request.method === 'INVITE'
        ? new ServerInviteTransaction(context, options)
        : new ServerNonInviteTransaction(context, options);
    this.#servers.set(id, transaction);
    transaction.onTerminated(() => this.#remove(this.#servers, transaction));
    this.#user.onRequest(request, transaction);
  }

  /** §17.2.3: an ACK for a non-2xx final belongs to the INVITE's transaction; any other goes to the TU. */
  #receiveAck(ack: IncomingRequest, flow: Flow): void {
    const transaction = this.#findInviteForAck(ack, flow);
    if (transaction === undefined || !transaction.receiveAck(ack)) this.#user.onAck(ack, flow);
  }

  #findInviteForAck(ack: IncomingRequest, flow: Flow): ServerInviteTransaction | undefined {
    const found = this.#servers.get(serverTransactionKey(ack, flow.id, 'INVITE'));
    if (found !== undefined || isRfc3261Branch(ack.topVia.branch))
      return found instanceof ServerInviteTransaction ? found : undefined;
    // RFC 2543: the ACK carries the To tag of the response; an initial INVITE's To had none.
    const initial = this.#servers.get(serverTransactionKey(ack, flow.id, 'INVITE', null));
    return initial instanceof ServerInviteTransaction && initial.finalResponseToTag === ack.to.tag
      ? initial
      : undefined;
  }

  #context(id: string, flow: Flow): TransactionContext {
    return { id, flow, clock: this.#clock, timers: this.#timers };
  }

  #addClient(transaction: AnyClientTransaction): void {
    this.#clients.set(transaction.id, transaction);
    const flowId = transaction.flow.id;
    let onFlow = this.#clientsByFlow.get(flowId);
    if (onFlow === undefined) this.#clientsByFlow.set(flowId, (onFlow = new Set()));
    onFlow.add(transaction);
    transaction.onTerminated(() => {
      onFlow.delete(transaction);
      if (onFlow.size === 0 && this.#clientsByFlow.get(flowId) === onFlow) this.#clientsByFlow.delete(flowId);
      this.#remove(this.#clients, transaction);
    });
  }

  #remove<T extends { readonly id: string }>(table: Map<string, T>, transaction: T): void {
    if (table.get(transaction.id) === transaction) table.delete(transaction.id);
    if (this.size > 0 || this.#drainWaiters.length === 0) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
