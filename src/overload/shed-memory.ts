// Branches of UDP requests recently shed (SPEC Y5): a retransmission of one gets the same 503 at once
// instead of a fresh judgement, which could admit the copy after its original was refused. Two
// bounded generations, rotated on the admission timer; no transaction is ever created for them.

/** RFC 3261 §17.1.2.2: retransmissions settle at T2 (4 s) intervals, so two generations see the next. */
const GENERATION_MS = 4000;
/** Entries per generation; a flood of distinct branches past this is judged afresh, never stored. */
const MAX_BRANCHES = 65_536;

export class ShedMemory {
  readonly #ticksPerGeneration: number;
  #current = new Set<string>();
  #previous = new Set<string>();
  #ticks = 0;

  constructor(intervalMs: number) {
    this.#ticksPerGeneration = Math.max(1, Math.ceil(GENERATION_MS / intervalMs));
  }

  remember(branch: string): void {
    if (this.#current.size < MAX_BRANCHES) this.#current.add(branch);
  }

  has(branch: string): boolean {
    return this.#current.has(branch) || this.#previous.has(branch);
  }

  /** One admission interval passed. */
  tick(): void {
    if (++this.#ticks < this.#ticksPerGeneration) return;
    this.#ticks = 0;
    this.#previous = this.#current;
    this.#current = new Set();
  }
}
