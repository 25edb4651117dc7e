import { memoryBooks } from '../../src/ledger/memory.js';
import { ledgerContract } from './contract.js';

ledgerContract('memory', { open: async () => memoryBooks() });
