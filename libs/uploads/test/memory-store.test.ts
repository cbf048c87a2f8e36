import { MemoryUploadStore } from '../src/memory-store.ts';
import { uploadStoreContract } from './store-contract.ts';

const store = new MemoryUploadStore();
uploadStoreContract('memory', () => store);
