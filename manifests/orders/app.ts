// Example: the order pipeline of app.yaml as a TypeScript manifest, with both kinds of handler:
// `process_orders` names a module export (`path#export`, resolved against this directory) and `score`
// is given inline as a function.
//   npx streamd start --manifest manifests/orders/app.ts
// Settings layer as for YAML (STREAMD_BROKER=kafka://… or --broker wins over the broker below), but
// `${VAR}` is not interpolated: read process.env here if you need a variable.
import { defineApp, type Agent } from 'streamd';

interface ScoreRequest { amount: number }

/** Answers `ask` with a risk score: what it yields for a request goes back to whoever asked. */
const score: Agent<ScoreRequest> = async function* (stream) {
  for await (const order of stream) {
    yield order.amount > 1000 ? 'high' : order.amount > 100 ? 'medium' : 'low';
  }
};

export default defineApp({
  id: 'orders',
  broker: 'memory://',
  web: { port: 6066 },
  models: {
    Order: {
      type: 'object',
      properties: {
        id: { type: 'integer' },
        user: { type: 'string' },
        amount: { type: 'number', minimum: 0 },
        test: { type: 'boolean' },
      },
      required: ['id', 'user', 'amount'],
    },
  },
  topics: {
    orders: { keyType: 'string', valueType: 'Order', partitions: 4 },
    scored_orders: { keyType: 'string', partitions: 4 },
    score_requests: { partitions: 4 },
  },
  agents: {
    process_orders: { topic: 'orders', handler: './handlers/orders.ts#processOrders', sinks: ['scored_orders'] },
    score: { topic: 'score_requests', handler: score },
  },
});
