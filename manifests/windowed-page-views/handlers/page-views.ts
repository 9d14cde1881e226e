// Counts each view in its page's minute and in the hour windows that contain it. The views are
// keyed by page on the topic (send them with --key <page>), so a page's windows live in the
// partition that processes its views.
import type { Agent, WindowedTable } from 'streamd';

interface PageView { id: string; user: string }

export const countPageViews: Agent<PageView> = async (stream, { tables, log }) => {
  const perMinute = tables.views_per_minute as unknown as WindowedTable<string, number>;
  const lastHour = tables.views_last_hour as unknown as WindowedTable<string, number>;
  for await (const view of stream) {
    await perMinute.update(view.id, (n) => n + 1);
    await lastHour.update(view.id, (n) => n + 1);
    log.debug({ page: view.id, thisMinute: await perMinute.current(view.id), tenMinutesAgo: await perMinute.delta(view.id, 600_000) }, 'page view counted');
  }
};
