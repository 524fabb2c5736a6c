// Scenario kinds by name: the one place a new traffic mix is registered.

import type { LoadScenario } from './load-scenario.js';
import type { ScenarioKind, ScenarioSpec } from './scenario-schema.js';
import { connectionStorm } from './scenarios/connection-storm.js';
import { harvesting, longRecordRoute, messageFlood, repeat604, spoofedOrigin } from './scenarios/message-scenarios.js';
import { notifyStorm, subscribeShortExpires } from './scenarios/subscription-scenarios.js';

const FACTORIES: Readonly<Record<ScenarioKind, (index: number, spec: ScenarioSpec) => LoadScenario>> = {
  'message-flood': messageFlood,
  harvesting,
  'subscribe-short-expires': subscribeShortExpires,
  'notify-storm': notifyStorm,
  'repeat-604': repeat604,
  'long-record-route': longRecordRoute,
  'spoofed-origin': spoofedOrigin,
  'connection-storm': connectionStorm,
};

export function createScenario(index: number, spec: ScenarioSpec): LoadScenario {
  return FACTORIES[spec.kind](index, spec);
}
