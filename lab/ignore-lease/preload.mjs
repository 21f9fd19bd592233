// Test-only preload that builds the broken elector the fault tests must catch: a leader that
// ignores its lease. `node --import <this file> dist/cli.js run ...` makes a Raft leader act on
// its role alone (no lease, no check-quorum), and a leader on any other backend keep acting after
// it lost its lease or session until it hears of another leader, as a home-made lock would.
//
// It lives here, not in src/, so that neither the shipped image nor the CLI has a way to turn it
// on (issue 19): dist/ has no switch to read, and this file is not copied into the image. It is
// loaded like the clock-skew preload (lab/clock-skew.mjs), and is plain JavaScript for the same
// reason: no TypeScript loader runs in the process under test.
//
// How: a module resolve hook (hooks.mjs) hands dist/cli/run.js our registry.mjs in place of
// dist/backends/registry.js; registry.mjs re-exports the real one with createBackend wrapped.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
