// B1: the same work as the raw kafkajs baseline in bench/stateless.ts.
import type { Agent } from '../../../src/agents/index.js';

interface PageView { user: string; page: string; seq: number; ts: number }

export const b1: Agent<PageView> = (stream) =>
  stream.filter((v) => !v.page.endsWith('7')).map((v) => ({ ...v, hour: Math.floor(v.ts / 3_600_000) }));
