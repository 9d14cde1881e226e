// onWindowClose of views_per_minute: called once per closed (page, minute) with its final count.
// Keeps the three busiest pages of each minute and logs them as they change.
import type { ClosedWindow, HandlerContext } from 'streamd';

const busiest = new Map<number, { page: string; views: number }[]>();

export function logBusiest(closed: ClosedWindow<string, number>, { log }: HandlerContext): void {
  const top = [...(busiest.get(closed.start) ?? []), { page: closed.key, views: closed.value }].sort((a, b) => b.views - a.views).slice(0, 3);
  busiest.set(closed.start, top);
  for (const start of busiest.keys()) if (start < closed.start - 3_600_000) busiest.delete(start);
  if (top.some((entry) => entry.page === closed.key)) log.info({ minute: new Date(closed.start).toISOString(), top }, 'busiest pages of the minute');
}
