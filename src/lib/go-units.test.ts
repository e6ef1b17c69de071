// go-units.ts against Go: the cases each former copy in berth handled, values
// from Go's time package and docker/go-units' own tests, and properties
// (fast-check) over random durations and sizes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  bytesSize, formatGoDuration, formatRfc3339Nano, formatRfc3339NanoFixed, fromHumanSize, humanDuration, humanSize,
  humanSizeWithPrecision, parseGoDuration, parseGoDurationBig, parseRfc3339Nano, ramInBytes, rfc3339NanoFixed,
} from './go-units.ts';

const int64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });

describe('Go durations', () => {
  test('parseGoDuration() reads what time.ParseDuration reads', () => {
    const cases: [string, number][] = [
      ['0', 0], ['5s', 5e9], ['30s', 30e9], ['1478s', 1478e9], ['-5s', -5e9], ['+5s', 5e9], ['-0', 0], ['+0', 0],
      ['5.0s', 5e9], ['5.6s', 5.6e9], ['5.s', 5e9], ['.5s', 0.5e9], ['1.0s', 1e9], ['1.00s', 1e9], ['1.004s', 1.004e9],
      ['100.00100s', 100.001e9], ['10ns', 10], ['11us', 11e3], ['12µs', 12e3], ['12μs', 12e3], ['13ms', 13e6], ['14s', 14e9],
      ['15m', 15 * 60e9], ['16h', 16 * 3600e9], ['3h30m', 3.5 * 3600e9], ['10.5s4m', 4 * 60e9 + 10.5e9], ['-2m3.4s', -(2 * 60e9 + 3.4e9)],
      ['1h2m3s4ms5us6ns', 3600e9 + 2 * 60e9 + 3e9 + 4e6 + 5e3 + 6], ['39h9m14.425s', 39 * 3600e9 + 9 * 60e9 + 14.425e9],
      ['52763797000ns', 52763797000], ['0.3333333333333333333h', 20 * 60e9], ['1m30s', 90e9], ['500ms', 5e8], ['1.5h', 1.5 * 3600e9],
    ];
    for (const [text, ns] of cases) assert.equal(parseGoDuration(text), ns, text);
    assert.equal(parseGoDurationBig('9223372036854775807ns'), (1n << 63n) - 1n);
    assert.equal(parseGoDurationBig('-9223372036854775808ns'), -(1n << 63n));
    assert.equal(parseGoDurationBig('9223372036.854775807s'), (1n << 63n) - 1n);
    assert.equal(parseGoDurationBig('0.100000000000000000000h'), 6n * 60n * 1_000_000_000n);
  });

  test('parseGoDuration() refuses what Go refuses, with Go\'s messages', () => {
    const cases: [string, RegExp][] = [
      ['', /time: invalid duration ""$/], ['3', /time: missing unit in duration "3"$/], ['5', /missing unit in duration "5"/],
      ['-', /invalid duration "-"/], ['s', /invalid duration "s"/], ['.', /invalid duration "."/], ['-.', /invalid duration "-."/],
      ['.s', /invalid duration ".s"/], ['+.s', /invalid duration/], ['1d', /time: unknown unit "d" in duration "1d"$/],
      ['1.5x', /unknown unit "x"/], ['9223372036854775808ns', /invalid duration/], ['9223372036854775.808us', /invalid duration/],
      ['9223372036854ms775us808ns', /invalid duration/], ['-9223372036854775809ns', /invalid duration/], ['1s ', /unknown unit "s "/],
    ];
    for (const [text, re] of cases) assert.throws(() => parseGoDurationBig(text), re, text);
  });

  test('formatGoDuration() writes what Duration.String writes', () => {
    const cases: [bigint, string][] = [
      [0n, '0s'], [1n, '1ns'], [1100n, '1.1µs'], [2_200_000n, '2.2ms'], [3_300_000_000n, '3.3s'], [4n * 60_000_000_000n + 5_000_000_000n, '4m5s'],
      [4n * 60_000_000_000n + 5_001_000_000n, '4m5.001s'], [5n * 3_600_000_000_000n + 6n * 60_000_000_000n + 7_001_000_000n, '5h6m7.001s'],
      [8n * 60_000_000_000n + 1n, '8m0.000000001s'], [(1n << 63n) - 1n, '2562047h47m16.854775807s'], [-(1n << 63n), '-2562047h47m16.854775808s'],
      [-1_500_000_000n, '-1.5s'], [3_600_000_000_000n, '1h0m0s'], [90_000_000_000n, '1m30s'],
    ];
    for (const [ns, text] of cases) assert.equal(formatGoDuration(ns), text, text);
    assert.equal(formatGoDuration(1.5e9), '1.5s');
  });

  test('parse(format(d)) is d for every int64 duration', () => {
    fc.assert(fc.property(int64, (d) => parseGoDurationBig(formatGoDuration(d)) === d), { numRuns: 2000 });
  });

  test('format(parse(s)) is canonical: formatting it again changes nothing', () => {
    const part = fc.tuple(fc.nat({ max: 9999 }), fc.option(fc.stringMatching(/^[0-9]{1,12}$/), { nil: undefined }), fc.constantFrom('ns', 'us', 'µs', 'ms', 's', 'm', 'h'));
    const text = fc.tuple(fc.constantFrom('', '-', '+'), fc.array(part, { minLength: 1, maxLength: 5 }))
      .map(([sign, parts]) => sign + parts.map(([v, f, u]) => `${v}${f === undefined ? '' : `.${f}`}${u}`).join(''));
    fc.assert(fc.property(text, (s) => {
      const d = parseGoDurationBig(s);
      const once = formatGoDuration(d);
      return parseGoDurationBig(once) === d && formatGoDuration(parseGoDurationBig(once)) === once;
    }), { numRuns: 2000 });
  });
});

describe('go-units HumanDuration', () => {
  test('the wording docker ps uses (the former api/ and cli/ copies\' cases)', () => {
    const cases: [number, string][] = [
      [0, 'Less than a second'], [500, 'Less than a second'], [999, 'Less than a second'], [1000, '1 second'], [1999, '1 second'],
      [3000, '3 seconds'], [59_999, '59 seconds'], [60_000, 'About a minute'], [119_999, 'About a minute'], [120_000, '2 minutes'],
      [59 * 60_000, '59 minutes'], [3_600_000, 'About an hour'], [1.49 * 3_600_000, 'About an hour'], [1.5 * 3_600_000, '2 hours'],
      [5 * 3_600_000, '5 hours'], [47 * 3_600_000, '47 hours'], [48 * 3_600_000, '2 days'], [3 * 86_400_000, '3 days'],
      [14 * 86_400_000, '2 weeks'], [59 * 86_400_000, '8 weeks'], [60 * 86_400_000, '2 months'], [729 * 86_400_000, '24 months'],
      [730 * 86_400_000, '2 years'], [3 * 365 * 86_400_000, '3 years'], [-5000, 'Less than a second'],
    ];
    for (const [ms, text] of cases) assert.equal(humanDuration(ms), text, String(ms));
  });

  test('Go truncates toward zero (not floor): a negative fraction is still "Less than a second"', () => {
    fc.assert(fc.property(fc.double({ min: -1e12, max: 999.999, noNaN: true }), (ms) => humanDuration(ms) === 'Less than a second'));
  });
});

describe('go-units sizes', () => {
  test('HumanSize, HumanSizeWithPrecision and BytesSize as go-units prints them', () => {
    assert.equal(humanSize(1000), '1kB');
    assert.equal(humanSize(1024), '1.024kB');
    assert.equal(humanSize(1_000_000), '1MB');
    assert.equal(humanSize(1_048_576), '1.049MB');
    assert.equal(humanSize(2 * 1_000_000), '2MB');
    assert.equal(humanSize(3.42 * 1e9), '3.42GB');
    assert.equal(humanSize(5.372 * 1e12), '5.372TB');
    assert.equal(humanSize(2.22 * 1e15), '2.22PB');
    assert.equal(humanSize(1e21), '1ZB');
    assert.equal(humanSize(1e24), '1YB');
    assert.equal(humanSize(1e27), '1000YB');
    assert.equal(humanSizeWithPrecision(1056406, 3), '1.06MB');
    assert.equal(humanSizeWithPrecision(65136, 3), '65.1kB');
    assert.equal(humanSizeWithPrecision(999_999, 3), '1e+03kB');
    assert.equal(bytesSize(1024), '1KiB');
    assert.equal(bytesSize(1024 * 1024), '1MiB');
    assert.equal(bytesSize(1_048_576 * 2), '2MiB');
    assert.equal(bytesSize(3.42 * 1024 ** 3), '3.42GiB');
    assert.equal(bytesSize(5.372 * 1024 ** 4), '5.372TiB');
    assert.equal(bytesSize(1536 * 1024 * 1024), '1.5GiB');
  });

  test('RAMInBytes and FromHumanSize read what go-units reads', () => {
    const ram: [string, number][] = [
      ['32', 32], ['32b', 32], ['32B', 32], ['32k', 32 * 1024], ['32K', 32 * 1024], ['32kb', 32 * 1024], ['32Kb', 32 * 1024],
      ['32Mb', 32 * 1024 ** 2], ['32Gb', 32 * 1024 ** 3], ['32Tb', 32 * 1024 ** 4], ['32Pb', 32 * 1024 ** 5], ['32PB', 32 * 1024 ** 5],
      ['32P', 32 * 1024 ** 5], ['32.3', 32], ['32.3k', Math.trunc(32.3 * 1024)], ['0.3MB', 314572], ['32 mb', 32 * 1024 ** 2],
      ['32 MiB', 32 * 1024 ** 2], ['512m', 512 * 1024 ** 2], ['1.5g', 1.5 * 1024 ** 3], ['1GiB', 1024 ** 3], ['.5k', 512],
    ];
    for (const [text, n] of ram) assert.equal(ramInBytes(text), n, text);
    const bad: [string, RegExp][] = [
      ['', /invalid size: ''/], ['hello', /invalid size: 'hello'/], ['-32', /invalid size: '-32'/], [' 32 ', /invalid suffix: ' '|ParseFloat/],
      ['32m b', /ParseFloat|invalid/], ['32bm', /invalid suffix: 'bm'/], ['32mib ', /invalid/], ['32x', /invalid suffix: 'x'/], ['32kbb', /invalid suffix: 'kbb'/],
      ['32kibb', /invalid suffix: 'kibb'/], ['32mm', /invalid suffix: 'mm'/],
    ];
    for (const [text, re] of bad) assert.throws(() => ramInBytes(text), re, text);
    assert.equal(fromHumanSize('32'), 32);
    assert.equal(fromHumanSize('32kb'), 32_000);
    assert.equal(fromHumanSize('32Mb'), 32_000_000);
    assert.equal(fromHumanSize('32.5KB'), 32_500);
  });

  test('reading back HumanSize / BytesSize is within their rounding of the size', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 52 }), (n) => {
      const decimal = fromHumanSize(humanSize(n));
      const binary = ramInBytes(bytesSize(n));
      // Four significant digits: at most half a unit in the fourth digit off, plus the final truncation.
      return Math.abs(decimal - n) <= n * 5e-4 + 1 && Math.abs(binary - n) <= n * 5e-4 + 1;
    }), { numRuns: 2000 });
  });
});

describe('RFC 3339 timestamps', () => {
  test('conmon times become UTC with nine fraction digits (the former api/log-time.ts cases)', () => {
    assert.equal(rfc3339NanoFixed('2026-11-28T10:31:24.877707633+00:00'), '2026-11-28T10:31:24.877707633Z');
    assert.equal(rfc3339NanoFixed('2026-11-28T12:31:24.8+02:00'), '2026-11-28T10:31:24.800000000Z');
    assert.equal(rfc3339NanoFixed('2026-11-28T10:31:24Z'), '2026-11-28T10:31:24.000000000Z');
    assert.equal(rfc3339NanoFixed('not a time'), 'not a time');
  });

  test('RFC3339Nano drops trailing fraction zeros as Go does', () => {
    assert.equal(formatRfc3339Nano(0n), '1970-01-01T00:00:00Z');
    assert.equal(formatRfc3339Nano(1_500_000_000n), '1970-01-01T00:00:01.5Z');
    assert.equal(formatRfc3339Nano(1_700_000_000_000_000_001n), '2023-11-14T22:13:20.000000001Z');
    assert.equal(formatRfc3339Nano(-1n), '1969-12-31T23:59:59.999999999Z');
  });

  test('parse(format(t)) is t for both forms', () => {
    const ns = fc.bigInt({ min: -62_135_596_800_000_000_000n, max: 253_402_300_799_999_999_999n });
    fc.assert(fc.property(ns, (t) => parseRfc3339Nano(formatRfc3339Nano(t)) === t && parseRfc3339Nano(formatRfc3339NanoFixed(t)) === t), { numRuns: 2000 });
  });
});
