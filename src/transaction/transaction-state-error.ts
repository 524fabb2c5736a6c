// A state machine asked to make a move its RFC 3261 §17 diagram does not have (STYLE rule 6). This is
// a programming error in the transaction user, never a verdict on a message: nothing catches it.

export class TransactionStateError extends Error {
  readonly code = 'TRANSACTION_STATE_INVALID';
  /** The machine ("server INVITE transaction"), its state, and what was asked of it. */
  readonly machine: string;
  readonly state: string;
  readonly attempted: string;

  constructor(machine: string, state: string, attempted: string) {
    super(`${machine} in state ${state} cannot ${attempted}`);
    this.name = 'TransactionStateError';
    this.machine = machine;
    this.state = state;
    this.attempted = attempted;
  }
}

/** For each state, the states it may move to. */
export type TransitionTable<S extends string> = Readonly<Record<S, readonly S[]>>;

export function assertTransition<S extends string>(machine: string, table: TransitionTable<S>, from: S, to: S): void {
  if (!table[from].includes(to)) throw new TransactionStateError(machine, from, `move to ${to}`);
}
