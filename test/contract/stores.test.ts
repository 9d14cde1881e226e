// Runs the Store contract against both adapters, each opened through openStore by its URL.

import { openStore } from '../../src/stores/index.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('rocksdb', (path) => openStore('rocksdb://', { path }), { isPersistent: true });
describeStoreContract('memory', (path) => openStore('memory://', { path }), { isPersistent: false });
