// Drops test orders, adds a risk score from the `score` agent, and regroups orders by user so
// that every order of a user is handled by the same worker.
import type { Agent } from 'streamd';

interface Order { id: number; user: string; amount: number; test?: boolean }

export const processOrders: Agent<Order> = async function* (stream, { agents, log }) {
  const real = stream.filter((order) => order.test !== true);
  for await (const order of real.groupBy((o) => o.user, { name: 'by-user' })) {
    const risk = await agents.score!.ask(order);
    log.info({ order: order.id, user: order.user, risk }, 'scored an order');
    yield { ...order, risk };
  }
};
