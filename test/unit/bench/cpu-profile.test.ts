import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { categoryOf, profileOf, samplesOf } from '../../../bench/cpu-profile.js';

const js = (name: string, file: string): string => `JS:*${name} file:///srv/elector/${file}:1:1`;

/** A `perf script` sample: header, then frames innermost first, as perf prints them. */
function sample(frames: readonly string[], thread = 'node 4242/4242'): string {
  const lines = frames.map((frame, index) => `\t    ${(index + 1).toString(16)}a0 ${frame} (x)`);
  return [`${thread} 1234.567:     500000 cpu-clock:ppp: `, ...lines, ''].join('\n');
}

describe('bench/cpu-profile: sorting perf samples by kind of work', () => {
  test('the innermost frame a rule knows decides; kernel, libc and V8 builtins are passed over', () => {
    const write = [
      'tcp_sendmsg',
      '__GI___libc_write',
      'node::StreamBase::WriteBuffer',
      js('Socket._write', 'node:net'),
      js('#write', 'dist/backends/raft/transport/connection.js'),
      js('process', 'dist/backends/raft/driver.js'),
    ];
    assert.equal(categoryOf(write), 'runtime', 'a socket write counts for the stream code');
    const zod = [
      'native_set_pte',
      'Builtins_LoadIC',
      js('inst._zod.parse', 'node_modules/zod/v4/core/schemas.js'),
      js('decodePeerMessage', 'dist/backends/raft/transport/wire.js'),
    ];
    assert.equal(categoryOf(zod), 'validation', 'a page fault in zod counts for zod');
    const gcInZod = ['v8::internal::Heap::CollectGarbage', ...zod];
    assert.equal(categoryOf(gcInZod), 'gc');
    const mac = ['HMAC_Update', 'node::crypto::Hmac::HmacUpdate', ...write.slice(4)];
    assert.equal(categoryOf(mac), 'authentication');
    const parse = ['v8::internal::JsonParser<unsigned char>::ParseJson', ...zod.slice(3)];
    assert.equal(categoryOf(parse), 'json');
    const step = ['Builtins_CreateDataProperty', js('onHeartbeat', 'dist/core/raft/node.js')];
    assert.equal(categoryOf(step), 'raft_step');
    assert.equal(
      categoryOf(['Builtins_LoadIC', js('send', 'dist/backends/raft/transport/peer-transport.js')]),
      'elector_other',
    );
    assert.equal(categoryOf(['v8::internal::compiler::PipelineImpl::OptimizeGraph']), 'jit');
    assert.equal(categoryOf(['epoll_pwait', 'uv__io_poll']), 'runtime');
    assert.equal(categoryOf(['[unknown]', 'start_thread']), 'other');
  });

  test('perf script output is split into samples, each counted once', () => {
    const text = [
      sample(['epoll_pwait', 'uv__io_poll']),
      sample([js('onHeartbeat', 'dist/core/raft/node.js')]),
      sample(['v8::internal::compiler::PipelineImpl::OptimizeGraph'], 'node 4242/4250'),
    ].join('\n');
    const samples = samplesOf(text);
    assert.deepEqual(samples[0], ['epoll_pwait (x)', 'uv__io_poll (x)']);
    assert.equal(samples.length, 3);
    const profile = profileOf(text);
    assert.equal(profile.samples, 3);
    assert.equal(profile.counts.runtime, 1);
    assert.equal(profile.counts.raft_step, 1);
    assert.equal(profile.counts.jit, 1);
    assert.equal(
      Object.values(profile.counts).reduce((sum, count) => sum + count, 0),
      profile.samples,
    );
  });
});
