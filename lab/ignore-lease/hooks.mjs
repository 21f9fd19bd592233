// Module resolve hooks for preload.mjs (they run on Node's loader thread). Every import of
// elector's backends/registry.js resolves to registry.mjs instead, except the one registry.mjs
// itself makes through the placeholder specifier below, which resolves to the real module.
import { URL } from 'node:url';

const realRegistrySpecifier = 'elector-unsafe:real-registry';
const wrapperUrl = new URL('./registry.mjs', import.meta.url).href;
/** The real registry's URL, learnt from the first import of it (before registry.mjs loads). */
let realRegistryUrl = null;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === realRegistrySpecifier) {
    if (realRegistryUrl === null) {
      throw new Error(`${realRegistrySpecifier}: no import of backends/registry.js came first`);
    }
    return { url: realRegistryUrl, shortCircuit: true };
  }
  const resolved = await nextResolve(specifier, context);
  if (resolved.url.endsWith('/backends/registry.js') && context.parentURL !== wrapperUrl) {
    realRegistryUrl = resolved.url;
    return { url: wrapperUrl, shortCircuit: true };
  }
  return resolved;
}
