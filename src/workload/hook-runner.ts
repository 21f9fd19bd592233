import { assertNever } from '../core/errors.js';
import { redactedUrl } from '../config/redacted-url.js';
import { isAborted } from '../runtime/abortable.js';
import { messageOf } from './error-message.js';
import { runCommand } from './command-runner.js';
import { hookBody, hookEnvironment, type HookPayload } from './hook-payload.js';
import { sendLocalRequest } from './http-request.js';
import type { HookResult } from './workload-events.js';

/** How to tell the workload. */
export type HookSpec =
  /** `/bin/sh -c command`, with ELECTOR_* variables (hook-payload.ts) in its environment. */
  | { readonly kind: 'exec'; readonly command: string }
  /** POST the payload as JSON to `url`; any 2xx is success. */
  | { readonly kind: 'http'; readonly url: URL };

export interface HookRun {
  readonly result: Exclude<HookResult, 'dropped'>;
  /** One line for the log. */
  readonly detail: string;
}

export interface HookRunOptions {
  /** An exec hook still running then is killed (its process group); an HTTP hook is cut off. */
  readonly timeoutMs: number;
  /** Aborting cancels the hook the same way; the result is then 'cancelled'. */
  readonly signal: AbortSignal;
}

/** Runs one hook to its end. Resolves with how it ended; never rejects. */
export async function runHook(
  spec: HookSpec,
  payload: HookPayload,
  options: HookRunOptions,
): Promise<HookRun> {
  switch (spec.kind) {
    case 'exec':
      return runExecHook(spec.command, payload, options);
    case 'http':
      return runHttpHook(spec.url, payload, options);
    default:
      return assertNever(spec);
  }
}

async function runExecHook(
  command: string,
  payload: HookPayload,
  options: HookRunOptions,
): Promise<HookRun> {
  const result = await runCommand({
    command,
    env: hookEnvironment(payload),
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  });
  switch (result.kind) {
    case 'exited':
      return result.exitCode === 0
        ? { result: 'success', detail: 'exit code 0' }
        : { result: 'failure', detail: `exit code ${result.exitCode}; ${tail(result.output)}` };
    case 'signalled':
      return { result: 'failure', detail: `ended by ${result.signal}; ${tail(result.output)}` };
    case 'timed-out':
      return {
        result: 'timeout',
        detail: `killed after ${options.timeoutMs} ms; ${tail(result.output)}`,
      };
    case 'aborted':
      return { result: 'cancelled', detail: 'killed at shutdown' };
    case 'failed-to-start':
      return { result: 'failure', detail: `could not start: ${result.message}` };
    default:
      return assertNever(result);
  }
}

async function runHttpHook(
  url: URL,
  payload: HookPayload,
  options: HookRunOptions,
): Promise<HookRun> {
  const controller = new AbortController();
  const cancel = (): void => {
    controller.abort();
  };
  options.signal.addEventListener('abort', cancel, { once: true });
  const timer = setTimeout(cancel, options.timeoutMs);
  const target = `POST ${redactedUrl(url)}`;
  try {
    const { status } = await sendLocalRequest({
      url,
      method: 'POST',
      body: hookBody(payload),
      signal: controller.signal,
      certificateCheck: 'unless-loopback',
    });
    return status >= 200 && status < 300
      ? { result: 'success', detail: `${target}: ${status}` }
      : { result: 'failure', detail: `${target}: ${status}` };
  } catch (error) {
    if (isAborted(options.signal)) return { result: 'cancelled', detail: 'cut off at shutdown' };
    if (isAborted(controller.signal)) {
      return {
        result: 'timeout',
        detail: `${target}: no answer in ${options.timeoutMs} ms`,
      };
    }
    return { result: 'failure', detail: `${target}: ${messageOf(error)}` };
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', cancel);
  }
}

function tail(output: string): string {
  const text = output.trim();
  return text.length === 0 ? 'no output' : `output: ${text.slice(-300)}`;
}
