// vitest global setup: runs once per `vitest run`, before any test file. The integration tests drive
// SIPp, stunnel and Kamailio as real peers and open the load-test report in Chromium; a fresh CI
// machine (root) gets them from Debian here, outside any test's hook timeout.
import { ensureDebianPackages, MissingPackagesError } from './support/apt.js';

export default async function setup(): Promise<void> {
  try {
    // tcpdump and iproute2: the adversarial tests capture a namespaced edge's egress (test/adversarial/).
    await ensureDebianPackages([
      'sip-tester',
      'stunnel4',
      'kamailio',
      'kamailio-tls-modules',
      'chromium',
      'tcpdump',
      'iproute2',
    ]);
  } catch (error) {
    // Not root: the unit tests still run, and each integration test that needs a peer fails with this message.
    if (!(error instanceof MissingPackagesError)) throw error;
    console.warn(`warning: ${error.message}`);
  }
}
