import { MemoryMessageStore } from '../src/memory-store.ts';
import { lifecycleContract } from './lifecycle-contract.ts';
import { storeContract } from './store-contract.ts';

const store = new MemoryMessageStore();
storeContract('memory', () => store);
lifecycleContract('memory', () => store);
