import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfigText } from './load-config.js';
import { formatConfigProblem } from './config-problem.js';

function valid(text: string) {
  const result = parseConfigText(text, 'config.yaml');
  if (!result.ok) throw new Error(result.problems.map((problem) => `${problem.key}: ${problem.problem}`).join('\n'));
  return result.config;
}

describe('O1 configuration defaults', () => {
  it('fills every section from defaults when only domains is given', () => {
    const config = valid('domains: [a.example.com]\n');
    expect(config.listen.internal).toEqual([
      { transport: 'udp', address: '127.0.0.1', port: 5060 },
      { transport: 'tcp', address: '127.0.0.1', port: 5060 },
    ]);
    expect(config.listen.external.map((listener) => listener.address)).toEqual(['127.0.0.1', '::1']);
    expect(config.limits).toMatchObject({
      maxMessageBytes: 65_536,
      maxRecordRouteBytes: 2048,
      timers: { t1Ms: 500, t2Ms: 4000, t4Ms: 5000 },
    });
    expect(config.tls).toMatchObject({ certificates: [], ca: null, minVersion: 'TLSv1.2', handshakeTimeoutMs: 5000 });
    expect(config.internal).toEqual({
      registrar: 'builtin',
      presence: 'builtin',
      outbound: { flowTimerSeconds: 120, path: 'when-supported' },
    });
    expect(config.state).toEqual({ backend: 'sqlite', path: 'var/state.db', redisUrl: null });
    expect(config.admin).toEqual({ listen: '127.0.0.1:9060', token: null });
    expect(config.log.level).toBe('info');
  });

  it('treats a section left empty (YAML null) as its defaults', () => {
    expect(valid('domains: [a.example.com]\nlimits:\n# maxVias: 8\n').limits.maxVias).toBe(70);
  });

  it('keeps domain names in lower case, as DNS compares them', () => {
    expect(valid('domains: [A.Example.COM]\n').domains).toEqual(['a.example.com']);
  });

  it('accepts IPv6 listeners and a bracketed IPv6 admin address', () => {
    const config = valid(
      'domains: [a.example.com]\nlisten:\n  external: [{ transport: tls, address: "::", port: 5061 }]\nadmin: { listen: "[::1]:9060" }\n',
    );
    expect(config.listen.external[0]?.address).toBe('::');
    expect(config.admin.listen).toBe('[::1]:9060');
  });

  it('accepts external registrar targets and static routes', () => {
    const config = valid(
      [
        'domains: [a.example.com]',
        'internal: { registrar: [{ host: 10.0.0.5, port: 5060, transport: tcp }] }',
        'routes: [{ domain: b.example.net, targets: [{ host: sip.b.example.net, port: 5061, transport: tls }] }]',
        '',
      ].join('\n'),
    );
    expect(config.internal.registrar).toEqual([{ host: '10.0.0.5', port: 5060, transport: 'tcp' }]);
    expect(config.routes[0]?.targets[0]?.host).toBe('sip.b.example.net');
  });

  it('ships a config/default.yaml that is valid and states exactly the built-in defaults', () => {
    expect(loadConfig('config/default.yaml')).toEqual(valid('domains: [a.example.com]\n'));
  });
});

describe('O5 shutdown drain', () => {
  it('O5 drains for 5 s after SIGTERM unless limits.shutdownDrainMs says otherwise; 0 turns the drain off', () => {
    expect(valid('domains: [a.example.com]\n').limits.shutdownDrainMs).toBe(5000);
    expect(valid('domains: [a.example.com]\nlimits: { shutdownDrainMs: 0 }\n').limits.shutdownDrainMs).toBe(0);
  });

  it('O5 refuses a drain that is negative, fractional or over 5 minutes, giving the range', () => {
    for (const value of ['-1', '2.5', '300001']) {
      const result = parseConfigText(`domains: [a.example.com]\nlimits:\n  shutdownDrainMs: ${value}\n`, 'config.yaml');
      expect(result.ok, value).toBe(false);
      if (result.ok) continue;
      expect(result.problems.map(formatConfigProblem).join('\n')).toMatch(
        /^config\.yaml:3: limits\.shutdownDrainMs: .*(between 0 and 300000|whole number|integer)/i,
      );
    }
  });
});

describe('I2 community.authenticate', () => {
  function problems(text: string): string[] {
    const result = parseConfigText(`domains: [a.example.com]\n${text}`, 'config.yaml');
    if (result.ok) throw new Error('expected the configuration to be refused');
    return result.problems.map(formatConfigProblem);
  }

  it('I2 X2 authenticates nothing by default, so the internal side stays trusted by address', () => {
    expect(valid('domains: [a.example.com]\n').community.authenticate).toEqual([]);
    expect(
      valid('domains: [a.example.com]\ncommunity: { authenticate: [MESSAGE, PUBLISH] }\n').community.authenticate,
    ).toEqual(['MESSAGE', 'PUBLISH']);
  });

  it('I2 refuses a method that cannot be challenged, naming the choices and the case-sensitive spelling', () => {
    expect(problems('community:\n  authenticate: [CANCEL]\n')).toEqual([
      expect.stringMatching(
        /^config\.yaml:3: community\.authenticate\[0\]: expected one of MESSAGE, SUBSCRIBE, PUBLISH, INVITE, REFER, OPTIONS, got the string "CANCEL"/,
      ),
    ]);
    expect(problems('community:\n  authenticate: [message]\n')[0]).toMatch(/did you mean `MESSAGE`\?.*case-sensitive/);
  });

  it('I2 refuses a method listed twice, at the repeat', () => {
    expect(problems('community:\n  authenticate: [MESSAGE, SUBSCRIBE, MESSAGE]\n')).toEqual([
      expect.stringMatching(/^config\.yaml:3: community\.authenticate\[2\]: repeats `MESSAGE`.*list each method once/),
    ]);
  });

  it('I2 refuses authentication without the built-in user directory to check it against', () => {
    const external =
      'internal:\n  registrar: [{ host: 10.0.0.5, port: 5060, transport: tcp }]\n  presence: [{ host: 10.0.0.6, port: 5060, transport: tcp }]\n';
    expect(problems(`${external}community:\n  authenticate: [MESSAGE]\n`)).toEqual([
      expect.stringMatching(/community\.authenticate: needs the built-in user directory.*internal\.registrar: builtin/),
    ]);
  });
});

describe('I7 community.webClient', () => {
  it('I7 refuses the web client without an internal WebSocket listener to serve it, naming the key and the fix', () => {
    const result = parseConfigText('domains: [a.example.com]\ncommunity:\n  webClient: true\n', 'config.yaml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map(formatConfigProblem)).toEqual([
      expect.stringMatching(/community\.webClient: .*no `ws` or `wss` entry.*listen\.internal/),
    ]);
  });

  it('I7 accepts the web client beside a ws listener', () => {
    const config = valid(
      'domains: [a.example.com]\nlisten:\n  internal: [{ transport: ws, address: 127.0.0.1, port: 5062 }]\ncommunity:\n  webClient: true\n',
    );
    expect(config.community.webClient).toBe(true);
  });
});
