import { MemoryPresenceStore } from '../src/memory-store.ts';
import { presenceStoreContract } from './store-contract.ts';

presenceStoreContract('memory', async () => {
  const store = new MemoryPresenceStore();
  return {
    store,
    peer: store,
    wipe: async () => store.clear(),
  };
});
