// What an admin route answers (SPEC O3): a status and a JSON body. A refusal names the parameter at
// fault and what it allows, so an operator's script can be fixed from the answer alone.

export interface AdminReply {
  readonly status: number;
  readonly body: unknown;
}

export interface ProblemDetail {
  /** The path, query parameter or body field that was refused. */
  readonly parameter?: string;
  /** What that parameter accepts: a range, a form, or the values allowed. */
  readonly allowed?: string | readonly string[];
}

export function problem(status: number, error: string, detail: ProblemDetail = {}): AdminReply {
  return { status, body: { error, ...detail } };
}
