// Runs the driver contract against the embedded memory:// driver, on a cluster of its own.

import { createDriver } from '../../src/kafka/index.js';
import { uniqueName } from '../helpers/unique-name.js';
import { describeDriverContract } from './driver-contract.js';

const url = `memory://${uniqueName('contract')}`;

describeDriverContract(`memory (${url})`, () => createDriver(url));
