// Every limit the edge enforces, in one place (STYLE rule 7): each a whole number with a range, so a
// typo cannot switch a protection off and start-up refuses what the code was never tested with.
import { z } from 'zod';
import { boundedInt } from './bounded-int.js';
import { section } from './section.js';

// RFC 3261 §17.1.1.1: T1 is the RTT estimate, T2 the cap on non-INVITE retransmit intervals, T4 how
// long a message may stay in the network. T2 below T1 would make the back-off shrink.
export const timersSchema = section(
  z
    .strictObject({
      t1Ms: boundedInt({ min: 50, max: 10_000, default: 500 }),
      t2Ms: boundedInt({ min: 500, max: 64_000, default: 4000 }),
      t4Ms: boundedInt({ min: 500, max: 64_000, default: 5000 }),
    })
    .superRefine((timers, ctx) => {
      if (timers.t2Ms < timers.t1Ms) {
        ctx.addIssue({
          code: 'custom',
          path: ['t2Ms'],
          message: `must not be below limits.timers.t1Ms (${timers.t1Ms}), got ${timers.t2Ms}`,
          params: { fix: `raise t2Ms to at least ${timers.t1Ms} or lower t1Ms (RFC 3261 defaults: 500 and 4000)` },
        });
      }
    }),
);

// SPEC Y5: overload control on the read path (src/overload). Each key's range keeps it meaningful: a
// threshold of 100 % would never trip, an interval under 20 ms would sample noise.
export const overloadSchema = section(
  z
    .strictObject({
      /** Shed new out-of-dialog requests with 503 when overloaded; false admits everything (Y4 still bounds). */
      enabled: z.boolean().default(true),
      /** Event-loop utilisation, in percent of an interval, at which the edge counts as overloaded. */
      eluThresholdPercent: boundedInt({ min: 50, max: 99, default: 90 }),
      /** Pending server transactions, in percent of maxPendingRequests, at which the edge counts as overloaded. */
      pendingRequestsPercent: boundedInt({ min: 10, max: 100, default: 80 }),
      /**
       * The longest the admitted requests may wait inside the edge (pending / finished per second,
       * Little's law) while its event loop is busy, before it sheds to bring the wait down.
       */
      maxQueueDelayMs: boundedInt({ min: 5, max: 10_000, default: 50 }),
      /** How often load is sampled and per-source shares are refilled. */
      intervalMs: boundedInt({ min: 20, max: 5000, default: 100 }),
      /** The Retry-After of the 503 a shed request gets (RFC 3261 §21.5.4). */
      retryAfterSeconds: boundedInt({ min: 1, max: 3600, default: 5 }),
      /** New out-of-dialog requests per second the edge admits at most, shared among sources; 0: the load alone decides. */
      capacityPerSecond: boundedInt({ min: 0, max: 10_000_000, default: 0 }),
      /** The capacity estimate never falls below this, so some new work is always admitted. */
      minCapacityPerSecond: boundedInt({ min: 1, max: 10_000_000, default: 200 }),
    })
    .superRefine((overload, ctx) => {
      // Shares are counted per interval: a capacity that rounds to no request per interval admits nothing.
      const perInterval = (overload.capacityPerSecond * overload.intervalMs) / 1000;
      if (overload.capacityPerSecond > 0 && perInterval < 1) {
        const needed = Math.ceil(1000 / overload.intervalMs);
        ctx.addIssue({
          code: 'custom',
          path: ['capacityPerSecond'],
          message: `must admit at least one request per interval of ${overload.intervalMs} ms, got ${overload.capacityPerSecond}`,
          params: {
            fix: `raise capacityPerSecond to ${needed} or more, raise intervalMs, or set 0 to let the load decide`,
          },
        });
      }
    }),
);

export const limitsSchema = section(
  z
    .strictObject({
      maxStartLineBytes: boundedInt({ min: 64, max: 65_536, default: 8192 }),
      /** The whole header block of one message. */
      maxHeaderBytes: boundedInt({ min: 1024, max: 1_048_576, default: 32_768 }),
      maxHeaders: boundedInt({ min: 8, max: 1024, default: 128 }),
      maxVias: boundedInt({ min: 1, max: 256, default: 70 }),
      maxBodyBytes: boundedInt({ min: 0, max: 16_777_216, default: 65_536 }),
      /** SPEC M4: the whole request accepted from a peer. */
      maxMessageBytes: boundedInt({ min: 512, max: 16_777_216, default: 65_536 }),
      /** SPEC S2: the summed Record-Route values of an inbound request. */
      maxRecordRouteBytes: boundedInt({ min: 128, max: 65_536, default: 2048 }),
      maxConnections: boundedInt({ min: 1, max: 1_000_000, default: 10_000 }),
      /** SPEC Y4: requests being handled at once; beyond it new ones are answered 503 with Retry-After at once, not queued. */
      maxPendingRequests: boundedInt({ min: 1, max: 1_000_000, default: 5000 }),
      maxPendingBytesPerConnection: boundedInt({ min: 4096, max: 268_435_456, default: 1_048_576 }),
      /**
       * SPEC O5: after SIGTERM, how long /readyz says 503 and new out-of-dialog requests are answered 503
       * with Retry-After while connections stay open, so requests already on the wire get an answer and
       * peers move to another instance before the connections close. 0: close as soon as nothing is pending.
       */
      shutdownDrainMs: boundedInt({ min: 0, max: 300_000, default: 5000 }),
      idleTimeoutMs: boundedInt({ min: 1000, max: 86_400_000, default: 300_000 }),
      /** RFC 5626 §4.4.1 CRLF ping after this much silence on a stream; the pong is due within min(this, 10 s). 0: off. */
      keepaliveIntervalMs: boundedInt({ min: 0, max: 3_600_000, default: 30_000 }),
      /** SPEC F4, G1: connections the edge opens to one peer domain, unless its agreement says otherwise. */
      maxFlowsPerPeer: boundedInt({ min: 1, max: 10_000, default: 4 }),
      /** SPEC F4, G1: connections one peer domain may open to the edge, unless its agreement says otherwise. */
      maxInboundFlowsPerPeer: boundedInt({ min: 1, max: 10_000, default: 4 }),
      timers: timersSchema,
      overload: overloadSchema,
    })
    .superRefine((limits, ctx) => {
      // A connection must be able to buffer at least one message of the largest size we accept.
      if (limits.maxPendingBytesPerConnection < limits.maxMessageBytes) {
        ctx.addIssue({
          code: 'custom',
          path: ['maxPendingBytesPerConnection'],
          message: `must be at least limits.maxMessageBytes (${limits.maxMessageBytes}), got ${limits.maxPendingBytesPerConnection}`,
          params: {
            fix: `raise maxPendingBytesPerConnection to ${limits.maxMessageBytes} or more, or lower maxMessageBytes`,
          },
        });
      }
    }),
);

export type Limits = z.infer<typeof limitsSchema>;
