// Answers `ask` with a risk score: what it yields for a request goes back to whoever asked.
import type { Agent } from 'streamd';

interface Order { amount: number }

export const score: Agent<Order> = async function* (stream) {
  for await (const order of stream) {
    yield order.amount > 1000 ? 'high' : order.amount > 100 ? 'medium' : 'low';
  }
};
