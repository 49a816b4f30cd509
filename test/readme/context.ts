// What the README's fragments (blocks marked `<!-- fragment -->`) name without declaring: the client or
// cluster the surrounding text talks about, and the reader's own logger, alerting, dashboard and data.
// Declarations only: fragments are compiled, never run.
import type { Client, ClientMetrics, HashClient } from '../../src/index.js';

export declare const client: Client;
export declare const cluster: HashClient;
export declare const log: { warn(message: string, ...details: unknown[]): void };
export declare function alert(message: string): void;
export declare const dashboard: { update(metrics: ClientMetrics): void };
export declare const rows: readonly { id: number; name: string }[];
