// Overload control's load, set by hand in tests: what the next sample returns, and settings that
// start from the defaults with a known interval.

import type { LoadMeasure, LoadSample } from '../../src/overload/load-measure.js';
import type { OverloadSettings } from '../../src/overload/overload-settings.js';

export class DrivenLoad implements LoadMeasure {
  current: LoadSample = { eventLoopUtilisation: 0.2, pendingRequests: 0 };
  sample(): LoadSample {
    return this.current;
  }
}

export function overloadSettings(overrides: Partial<OverloadSettings> = {}): OverloadSettings {
  return {
    enabled: true,
    eluThresholdPercent: 90,
    pendingRequestsLimit: 4000,
    intervalMs: 100,
    maxQueueDelayMs: 50,
    retryAfterSeconds: 7,
    capacityPerSecond: 0,
    minCapacityPerSecond: 50,
    ...overrides,
  };
}
