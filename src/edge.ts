// The edge's public entry: createEdge() and its types. The composition root itself is src/edge/.

export { createEdge } from './edge/create-edge.js';
export type { Edge, EdgeOptions, ReloadReport } from './edge/edge-types.js';
export type { ForwardedRequest, InjectOptions, InjectResult } from './edge/inject.js';
export { ServiceStartError } from './edge/services-part.js';
export { readTlsFiles, type TlsSource } from './edge/tls-files.js';
