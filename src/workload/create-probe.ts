import { assertNever } from '../core/errors.js';
import { createExecProbe } from './exec-probe.js';
import { createHttpProbe } from './http-probe.js';
import type { Probe, ProbeSpec } from './probe.js';
import { createTcpProbe } from './tcp-probe.js';

/** The probe for a spec. */
export function createProbe(spec: ProbeSpec): Probe {
  switch (spec.kind) {
    case 'http':
      return createHttpProbe(spec.url);
    case 'tcp':
      return createTcpProbe(spec.host, spec.port);
    case 'exec':
      return createExecProbe(spec.command);
    default:
      return assertNever(spec);
  }
}
