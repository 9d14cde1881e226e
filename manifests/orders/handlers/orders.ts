// Drops test orders, rounds amounts to cents, regroups orders by user (so every order of a user
// is handled by the same worker), and adds a risk score from the `score` agent.
import type { Agent } from 'streamd';

interface Order { id: number; user: string; amount: number; test?: boolean }

export const processOrders: Agent<Order> = async function* (stream, { agents, log }) {
  const real = stream
    .filter((order) => order.test !== true)
    .map((order) => ({ ...order, amount: Math.round(order.amount * 100) / 100 }));
  for await (const order of real.groupBy((o) => o.user, { name: 'by-user' })) {
    const risk = await agents.score!.ask(order);
    log.info({ order: order.id, user: order.user, risk }, 'scored an order');
    yield { ...order, risk };
  }
};
