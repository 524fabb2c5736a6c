// The far side's own thread: both listeners and the answers to what crosses, so the thread that
// generates load (TLS, pacing, matching) has a core of its own, as SIPp's UAC and UAS are two
// processes. Scenarios are rebuilt here from the same file; only their stateless `answer` runs.

import { parentPort, workerData } from 'node:worker_threads';
import { createScenario } from './create-scenario.js';
import { CrossingCounter, FarSideListener } from './far-side.js';
import type { FarSideWorkerData, ToFarSide, FromFarSide } from './far-side-host.js';

async function serve(data: FarSideWorkerData): Promise<void> {
  const port = parentPort!;
  const post = (message: FromFarSide): void => port.postMessage(message);
  const scenarios = data.file.scenarios.map((spec, i) => createScenario(i, spec));
  const counter = new CrossingCounter(data.trackDialogs);
  const options = {
    scenarios,
    crossed: counter.crossed.bind(counter),
    noted: (index: number, note: Record<string, unknown>) => post({ type: 'note', index, note }),
  };
  const tls = { cert: Buffer.from(data.tls.cert), key: Buffer.from(data.tls.key), ca: Buffer.from(data.tls.ca) };
  const listeners: FarSideListener[] = [];
  try {
    const community =
      data.file.listen.community === undefined
        ? undefined
        : await FarSideListener.start(data.file.listen.community, { ...options, user: 'community' });
    if (community !== undefined) listeners.push(community);
    const peer =
      data.file.listen.peer === undefined
        ? undefined
        : await FarSideListener.start(data.file.listen.peer, { ...options, tls, user: 'peer' });
    if (peer !== undefined) listeners.push(peer);
    post({
      type: 'listening',
      ...(community === undefined ? {} : { community: community.contact }),
      ...(peer === undefined ? {} : { peer: peer.contact }),
    });
  } catch (error) {
    post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    await Promise.all(listeners.map((l) => l.close()));
    return;
  }
  port.on('message', (message: ToFarSide) => {
    if (message.type === 'reset') counter.reset();
    if (message.type === 'finish') {
      void Promise.all(listeners.map((l) => l.close())).then(() => {
        post({ type: 'counts', counts: counter.counts() });
        port.close();
      });
    }
  });
}

void serve(workerData as FarSideWorkerData);
