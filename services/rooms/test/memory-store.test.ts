import { MemoryRoomStore } from '../src/memory-store.ts';
import { roomStoreContract } from './store-contract.ts';

roomStoreContract('memory', () => new MemoryRoomStore());
