// The npm `sip` package ships no types; the benchmark uses only these two functions.
declare module 'sip' {
  export function parse(data: Buffer | string): unknown;
  export function stringify(message: unknown): string;
}
