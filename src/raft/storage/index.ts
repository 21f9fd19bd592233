export { initialDurableState, type DurableStateStore } from './durable-state-store.js';
export { FileStateStore, stateFileName, stateTempFileName } from './file-state-store.js';
export { MemoryStateStore } from './memory-state-store.js';
export type { StateFileSystem } from './state-file-system.js';
export { nodeStateFileSystem } from './state-file-system.js';
