import type { ElectionBackend } from '../../src/backends/backend.js';

/** See sticky-leadership.mjs. */
export declare function withStickyLeadership(inner: ElectionBackend): ElectionBackend;
