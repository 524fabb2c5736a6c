// Types of presence-document.js, for the tests that run it under Node (src/web-client/).
export type PresenceState = 'available' | 'busy' | 'away';
export const PRESENCE_STATES: readonly PresenceState[];
export function presenceDocument(options: { entity: string; state: PresenceState; note?: string; id: string }): string;
export function readPresence(xml: string | undefined): { state: PresenceState | 'offline'; note: string };
export function escapeXml(text: string): string;
