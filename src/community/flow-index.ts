// What the built-in components hold on behalf of one connection (SPEC I7): the addresses registered,
// the subscriptions and publications made over it, so that when a browser's connection closes what it
// left behind ends at once instead of lingering until it expires. In memory: a connection lives in
// this process only.
import type { RegistrationFlow } from './registration-flow.js';

export function flowKey(flow: RegistrationFlow): string {
  return `${flow.protocol} ${flow.address} ${flow.port}`;
}

export class FlowIndex {
  readonly #entries = new Map<string, Set<string>>();

  note(flow: RegistrationFlow, entry: string): void {
    const key = flowKey(flow);
    let entries = this.#entries.get(key);
    if (entries === undefined) this.#entries.set(key, (entries = new Set()));
    entries.add(entry);
  }

  /** The entries noted for the flow, forgotten as they are handed out. */
  take(flow: RegistrationFlow): string[] {
    const key = flowKey(flow);
    const entries = this.#entries.get(key);
    this.#entries.delete(key);
    return entries === undefined ? [] : [...entries];
  }
}
