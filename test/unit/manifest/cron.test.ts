// Cron plausibility and time zones, checked at load time so a typo fails the boot.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cronProblem, isTimezone } from '../../../src/manifest/cron.js';

describe('cron expressions', () => {
  it('accepts 5-field, 6-field, named and nickname schedules', () => {
    for (const good of ['0 3 * * *', '*/5 * * * *', '0 9 * * MON-FRI', '0 0 1 JAN *', '30 0 3 * * *', '0 0 L * ?', '0 12 * * 5#2', '@daily', '@HOURLY', '0,15,30,45 * * * *']) {
      assert.equal(cronProblem(good), undefined, good);
    }
  });

  it('rejects a wrong number of fields', () => {
    assert.match(cronProblem('0 3 * *') ?? '', /has 4 fields; a cron expression has 5/);
    assert.match(cronProblem('0 0 0 3 * * *') ?? '', /has 7 fields/);
  });

  it('rejects values out of their field range, naming the field', () => {
    assert.equal(cronProblem('0 25 * * *'), '"25" is out of range for the hour field (0-23)');
    assert.match(cronProblem('60 * * * *') ?? '', /minute field/);
    assert.match(cronProblem('0 0 * 13 *') ?? '', /month field \(1-12 or JAN-DEC\)/);
    assert.match(cronProblem('0 0 0 * *') ?? '', /^"0" is out of range for the day of month field/);
  });

  it('rejects bad steps and unknown nicknames', () => {
    assert.match(cronProblem('*/0 * * * *') ?? '', /bad step/);
    assert.match(cronProblem('@sometimes') ?? '', /not a cron nickname/);
  });
});

describe('time zones', () => {
  it('knows IANA zones and rejects others', () => {
    assert.equal(isTimezone('Europe/Oslo'), true);
    assert.equal(isTimezone('UTC'), true);
    assert.equal(isTimezone('Mars/Olympus_Mons'), false);
  });
});
