import * as assert from 'node:assert/strict';
import { clockTime, formatLines } from '../../src/logs/format';

suite('formatLines', () => {
  test('labels every physical line, drops one trailing newline, timestamps on request', () => {
    const lines = [
      { sourceId: 'm', label: 'manager', timestamp: 0, message: 'started\n' },
      { sourceId: 'w', label: 'worker 3', timestamp: 0, message: 'Traceback:\r\n  File x\n' },
      { sourceId: 's', timestamp: 0, message: '' },
    ];
    assert.equal(formatLines(lines), '[manager] started\n[worker 3] Traceback:\n[worker 3]   File x\n\n');
    const withTime = formatLines([{ sourceId: 's', timestamp: 1234.5, message: 'x' }], { timestamps: true });
    assert.equal(withTime, `${clockTime(1234)} x\n`);
    assert.match(clockTime(Date.UTC(2024, 0, 1, 12, 34, 56, 7)), /^\d\d:34:56\.007$/);
  });
});
