import { ElectorError } from '../../../core/errors.js';
import type { StateSaveFailureReason } from '../../../core/election-events.js';

export type { StateSaveFailureReason } from '../../../core/election-events.js';

/**
 * What the operating system's error code says about the state directory. These are faults of
 * the volume or its setup, never of the state file's content: a member that meets one is
 * told how to fix the volume, not to restore a backup.
 */
const reasonByCode: Readonly<Record<string, StateSaveFailureReason>> = {
  EROFS: 'read-only',
  ENOSPC: 'no-space',
  EDQUOT: 'no-space',
  EACCES: 'permission',
  EPERM: 'permission',
  ENOTDIR: 'not-a-directory',
  EIO: 'io-error',
};

/** What an operator does about each reason; the member itself retries and recovers. */
const adviceByReason: Readonly<Record<StateSaveFailureReason, string>> = {
  'read-only':
    'the filesystem is read-only (often remounted so after a disk error): repair or replace the volume and make it writable again',
  'no-space': 'the volume is full or over its quota: free space on it or grow it (the PVC)',
  permission:
    "the process may not write there: check the directory's owner and mode and the pod's securityContext (runAsUser, fsGroup)",
  'not-a-directory':
    'a part of the path is a regular file, not a directory: point --state-dir at a directory',
  'io-error': "the device reported an I/O error: check the node's kernel log and the volume",
  other: 'check that --state-dir is a writable directory on a healthy volume',
};

/** The errno code of `error` or of the first error in its cause chain that has one. */
export function errorCodeOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; depth < 8; depth += 1) {
    if (typeof current !== 'object' || current === null) return undefined;
    if ('code' in current && typeof current.code === 'string' && /^E[A-Z]+$/.test(current.code))
      return current.code;
    current = 'cause' in current ? current.cause : undefined;
  }
  return undefined;
}

/** The reason a save failed, for `elector_state_save_failures_total{reason}` and the advice. */
export function saveFailureReason(error: unknown): StateSaveFailureReason {
  const code = errorCodeOf(error);
  return code === undefined ? 'other' : (reasonByCode[code] ?? 'other');
}

/** Whether `error` says the directory is unusable (the volume), rather than the file is corrupt. */
export function isUnwritableDirectoryError(error: unknown): boolean {
  return saveFailureReason(error) !== 'other';
}

/**
 * STATE_UNWRITABLE (retryable): `what` names the path and the operation that failed; the
 * message adds the system's words and what to do about it.
 */
export function unwritable(what: string, cause: unknown): ElectorError {
  const reason = saveFailureReason(cause);
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ElectorError(
    'STATE_UNWRITABLE',
    `state directory not writable: ${what} failed (${detail}); ` +
      `${adviceByReason[reason]}. Until a save succeeds this member neither votes nor leads; ` +
      'it retries by itself. Do not delete the state file: it holds the vote.',
    { retryable: true, cause },
  );
}
