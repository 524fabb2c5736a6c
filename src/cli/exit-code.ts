// The process exit codes the CLI returns; scripts and service managers tell the cases apart by them.

export const ExitCode = {
  ok: 0,
  /** Commander's own code for an unknown command or option. */
  usage: 1,
  /** The configuration file is unreadable or invalid (SPEC O1). */
  configInvalid: 2,
  /** The edge could not start (a port in use, unreadable certificates), or a load run's target closed its connections. */
  runtimeFailure: 3,
  /** `simple-edge resolve` found no target (SPEC D8): the discovery error is on stderr. */
  notResolved: 4,
  /** `simple-edge loadtest` ran, and some policy expectation of the scenario file did not hold (SPEC L1). */
  expectationBroken: 5,
  /** `simple-edge demo` started, and a step across the border failed or took too long. */
  demoFailed: 6,
} as const;
