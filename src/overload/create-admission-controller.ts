// Overload control as configured (SPEC Y5): limits.overload turned into the controller's settings,
// measuring this process's event loop and the transactions the edge has yet to answer.

import type { Clock } from '../clock/clock.js';
import type { Limits } from '../config/limits-schema.js';
import { AdmissionController } from './admission-controller.js';
import type { OverloadLogger, OverloadObserver } from './overload-settings.js';
import { EventLoopLoad } from './load-measure.js';

export interface AdmissionControllerConfig {
  readonly limits: Limits;
  readonly clock: Clock;
  /** Server transactions waiting for a final response. */
  pendingRequests(): number;
  /** Writes refused so far because a connection held too many unsent bytes (a running count). */
  sendRefusals?(): number;
  readonly observer?: OverloadObserver;
  readonly logger?: OverloadLogger;
}

export function createAdmissionController(config: AdmissionControllerConfig): AdmissionController {
  const { overload, maxPendingRequests } = config.limits;
  return new AdmissionController({
    settings: {
      enabled: overload.enabled,
      eluThresholdPercent: overload.eluThresholdPercent,
      pendingRequestsLimit: Math.max(1, Math.ceil((maxPendingRequests * overload.pendingRequestsPercent) / 100)),
      intervalMs: overload.intervalMs,
      maxQueueDelayMs: overload.maxQueueDelayMs,
      retryAfterSeconds: overload.retryAfterSeconds,
      capacityPerSecond: overload.capacityPerSecond,
      minCapacityPerSecond: overload.minCapacityPerSecond,
    },
    clock: config.clock,
    load: new EventLoopLoad(
      () => config.pendingRequests(),
      () => config.sendRefusals?.() ?? 0,
    ),
    ...(config.observer === undefined ? {} : { observer: config.observer }),
    ...(config.logger === undefined ? {} : { logger: config.logger }),
  });
}
