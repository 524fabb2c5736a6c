import { describe, expect, it } from 'vitest';
import { isEdgeError } from '../errors.js';
import { formatConfigProblem, type ConfigProblem } from './config-problem.js';
import { loadConfig, parseConfigText } from './load-config.js';

function problemsOf(text: string): ConfigProblem[] {
  const result = parseConfigText(text, 'config.yaml');
  if (result.ok) throw new Error('expected the configuration to be refused');
  return result.problems;
}

function onlyProblem(text: string): ConfigProblem {
  const problems = problemsOf(text);
  expect(problems).toHaveLength(1);
  return problems[0]!;
}

describe('O1 check-config: each mistake names the key, the problem and the fix', () => {
  it('names an unknown key and suggests the nearest known one', () => {
    const problem = onlyProblem('domains: [a.example.com]\nlimits:\n  maxHeadersBytes: 4096\n');
    expect(problem).toMatchObject({ key: 'limits.maxHeadersBytes', problem: 'unknown key', line: 3 });
    expect(problem.fix).toContain('did you mean `maxHeaderBytes`?');
    expect(problem.fix).toContain('maxStartLineBytes, maxHeaderBytes, maxHeaders');
  });

  it('lists the allowed keys when no known key is near an unknown one', () => {
    const problem = onlyProblem('domains: [a.example.com]\ncolour: blue\n');
    expect(problem).toMatchObject({ key: 'colour', problem: 'unknown key', line: 2 });
    expect(problem.fix).toMatch(/^remove it; the keys allowed at the top level are domains, listen, tls, limits/);
  });

  it('names the expected and the received type, with an example of the right one', () => {
    const problem = onlyProblem('domains: [a.example.com]\nlimits:\n  maxStartLineBytes: abc\n');
    expect(problem).toMatchObject({
      key: 'limits.maxStartLineBytes',
      line: 3,
      problem: 'expected a number, got the string "abc"',
    });
    expect(problem.fix).toContain('write a whole number such as 8192');
  });

  it('asks for a whole number when a limit has a fraction', () => {
    const problem = onlyProblem('domains: [a.example.com]\nlimits:\n  maxVias: 5.5\n');
    expect(problem).toMatchObject({ key: 'limits.maxVias', problem: 'expected a whole number, got the number 5.5' });
  });

  it('tells the operator to drop the quotes around a quoted number', () => {
    const problem = onlyProblem('domains: [a.example.com]\nlimits:\n  maxVias: "16"\n');
    expect(problem.fix).toMatch(/^write 16 without quotes/);
  });

  it('refuses an out-of-range limit and gives the range', () => {
    const problem = onlyProblem('domains: [a.example.com]\nlimits:\n  maxHeaderBytes: 5000000\n');
    expect(problem).toMatchObject({
      key: 'limits.maxHeaderBytes',
      line: 3,
      problem: 'must be at most 1048576, got 5000000',
      fix: 'use a value between 1024 and 1048576',
    });
  });

  it('refuses a limit below its minimum', () => {
    const problem = onlyProblem('domains: [a.example.com]\nlimits:\n  maxHeaders: 2\n');
    expect(problem).toMatchObject({ problem: 'must be at least 8, got 2', fix: 'use a value between 8 and 1024' });
  });

  it('lists the choices for an invalid enum value', () => {
    const text =
      'domains: [a.example.com]\nlisten:\n  internal:\n    - { transport: sctp, address: 127.0.0.1, port: 5060 }\n';
    const problem = onlyProblem(text);
    expect(problem).toMatchObject({
      key: 'listen.internal[0].transport',
      line: 4,
      problem: 'expected one of udp, tcp, tls, ws, wss, got the string "sctp"',
    });
    expect(problem.fix).toMatch(/^use one of: udp, tcp, tls, ws, wss/);
  });

  it('points out that enum choices are case-sensitive', () => {
    const problem = onlyProblem('domains: [a.example.com]\nlog:\n  level: INFO\n');
    expect(problem.fix).toContain('did you mean `info`? choices are case-sensitive');
  });

  it('names a missing required key and shows how to add it', () => {
    const problem = onlyProblem('# nothing yet\n');
    expect(problem).toMatchObject({
      key: 'domains',
      problem: 'missing required key',
      fix: 'add `domains: [a.example.com]`',
    });
    expect(problem.line).toBeUndefined();
  });

  it("names a missing key inside a list item, on the item's line", () => {
    const text = 'domains: [a.example.com]\nlisten:\n  external:\n    - { transport: tls, address: "::1" }\n';
    expect(onlyProblem(text)).toMatchObject({
      key: 'listen.external[0].port',
      line: 4,
      problem: 'missing required key',
      fix: 'add `port: 5061` under listen.external[0]',
    });
  });

  it('shows a valid choice when a missing key is an enum', () => {
    const text = 'domains: [a.example.com]\nlisten:\n  internal: [{ address: 127.0.0.1, port: 5060 }]\n';
    expect(onlyProblem(text)).toMatchObject({
      key: 'listen.internal[0].transport',
      fix: 'add `transport: udp` under listen.internal[0]',
    });
  });

  it('refuses a host name where an IP address literal is required', () => {
    const text =
      'domains: [a.example.com]\nlisten:\n  internal:\n    - { transport: udp, address: localhost, port: 5060 }\n';
    const problem = onlyProblem(text);
    expect(problem).toMatchObject({ key: 'listen.internal[0].address', line: 4 });
    expect(problem.problem).toBe('`localhost` is not an IPv4 or IPv6 address literal');
    expect(problem.fix).toContain('127.0.0.1 or ::1');
  });

  it('refuses an IPv6 admin address without brackets and shows the bracketed form', () => {
    const problem = onlyProblem('domains: [a.example.com]\nadmin:\n  listen: "::1:9060"\n');
    expect(problem).toMatchObject({ key: 'admin.listen', line: 3 });
    expect(problem.problem).toContain('IPv6 address without brackets');
    expect(problem.fix).toContain('[::1]:9060');
  });

  it('refuses an invalid domain name', () => {
    const problem = onlyProblem('domains: [a.example.com, "under_score.example"]\n');
    expect(problem).toMatchObject({ key: 'domains[1]', problem: '`under_score.example` is not a valid domain name' });
  });

  it('reports a YAML syntax error with its line and column', () => {
    const problem = onlyProblem('domains: [a.example.com]\nlimits:\n\tmaxVias: 3\n');
    expect(problem).toMatchObject({ key: '', line: 3, column: 1 });
    expect(problem.problem).toBe('YAML syntax error: Tabs are not allowed as indentation');
    expect(problem.fix).toContain('spaces');
    expect(formatConfigProblem(problem)).toMatch(/^config\.yaml:3:1: YAML syntax error: /);
  });

  it('reports a repeated key as a YAML error', () => {
    const problem = onlyProblem('domains: [a.example.com]\ndomains: [b.example.com]\n');
    expect(problem).toMatchObject({ line: 2, problem: 'YAML syntax error: Map keys must be unique' });
  });

  it('requires state.redisUrl when the backend is redis (a rule across two keys)', () => {
    const problem = onlyProblem('domains: [a.example.com]\nstate:\n  backend: redis\n');
    expect(problem).toMatchObject({
      key: 'state.redisUrl',
      line: 2,
      problem: 'is required when state.backend is `redis`',
    });
    expect(problem.fix).toContain('set state.redisUrl');
    expect(problem.fix).toContain('redis://127.0.0.1:6379');
  });

  it('refuses two listeners on the same TCP port, TLS included', () => {
    const text = [
      'domains: [a.example.com]',
      'listen:',
      '  internal: [{ transport: tcp, address: 127.0.0.1, port: 5061 }]',
      '  external: [{ transport: tls, address: 127.0.0.1, port: 5061 }]',
      '',
    ].join('\n');
    expect(onlyProblem(text)).toMatchObject({
      key: 'listen.external[0]',
      line: 4,
      problem: 'binds the same TCP port 127.0.0.1:5061 as listen.internal[0]',
    });
  });

  it('refuses a T2 below T1 (RFC 3261 §17.1.2.2 back-off)', () => {
    const problem = onlyProblem('domains: [a.example.com]\nlimits:\n  timers: { t1Ms: 5000, t2Ms: 4000 }\n');
    expect(problem).toMatchObject({ key: 'limits.timers.t2Ms' });
    expect(problem.fix).toContain('raise t2Ms to at least 5000');
  });

  it('says what a registrar may be when it is neither builtin nor a target list', () => {
    const problem = onlyProblem('domains: [a.example.com]\ninternal:\n  registrar: external\n');
    expect(problem).toMatchObject({
      key: 'internal.registrar',
      problem: 'expected `builtin` or a list of targets, got the string "external"',
    });
    expect(problem.fix).toMatch(/^write `builtin` or `\[\{host: /);
  });

  it('reports the mistake inside a target list given for a registrar', () => {
    const problem = onlyProblem(
      'domains: [a.example.com]\ninternal:\n  registrar: [{ host: 10.0.0.5, port: 0, transport: tcp }]\n',
    );
    expect(problem).toMatchObject({ key: 'internal.registrar[0].port', problem: 'must be at least 1, got 0' });
  });

  it('reports every problem at once, in file order', () => {
    const text = 'domains: [a.example.com]\nlog: { level: loud }\nlimits:\n  maxVias: 0\n  maxHeaders: x\n';
    expect(problemsOf(text).map((problem) => [problem.line, problem.key])).toEqual([
      [2, 'log.level'],
      [4, 'limits.maxVias'],
      [5, 'limits.maxHeaders'],
    ]);
  });

  it('formats a problem as FILE:LINE: key: problem. Fix: fix.', () => {
    const problem = onlyProblem('domains: [a.example.com]\nlimits:\n  maxHeaders: 5000\n');
    expect(formatConfigProblem(problem)).toBe(
      'config.yaml:3: limits.maxHeaders: must be at most 1024, got 5000. Fix: use a value between 8 and 1024.',
    );
  });
});

describe('O1 loadConfig', () => {
  it('throws CONFIG_INVALID naming every problem', () => {
    let thrown: unknown;
    try {
      loadConfig('test/fixtures/config/invalid-limits.yaml');
    } catch (error) {
      thrown = error;
    }
    expect(isEdgeError(thrown) && thrown.code).toBe('CONFIG_INVALID');
    expect(String((thrown as Error).message).split('\n')).toHaveLength(3);
  });

  it('treats an unreadable file as a problem', () => {
    let thrown: unknown;
    try {
      loadConfig('test/fixtures/config/does-not-exist.yaml');
    } catch (error) {
      thrown = error;
    }
    expect(isEdgeError(thrown) && thrown.code).toBe('CONFIG_INVALID');
    expect(String((thrown as Error).message)).toContain('cannot read the file');
  });
});
