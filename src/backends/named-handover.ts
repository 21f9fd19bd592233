import { ElectorError } from '../core/errors.js';
import type { BackendName } from '../core/backend-name.js';

/**
 * The refusal of `resign(signal, to)` on a backend whose handover protocol to a named member
 * is not built yet (TODO #17: the designs are in docs/handover.md). The leader keeps leading:
 * refusing before it stops acting is what the resign contract asks of any refused handover.
 */
export function namedHandoverUnsupported(backend: BackendName, to: string): ElectorError {
  return new ElectorError(
    'TRANSFER_FAILED',
    `leadership transfer refused: handing over to a named member ("${to}") is not supported on the ${backend} backend yet; resign without a target hands over to the next candidate`,
    { retryable: false },
  );
}
