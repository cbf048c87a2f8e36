import { MemoryMessageStore } from '../src/memory-store.ts';
import { lifecycleContract } from './lifecycle-contract.ts';
import { receiptsContract } from './receipts-contract.ts';
import { storeContract } from './store-contract.ts';
import { threadContract } from './thread-contract.ts';

const store = new MemoryMessageStore();
storeContract('memory', () => store);
lifecycleContract('memory', () => store);
receiptsContract('memory', () => store);
threadContract('memory', () => store);
