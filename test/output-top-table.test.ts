import { describe, expect, it } from 'vitest';
import { humanBytes, renderTopTable, truncate, type TopRow } from '../src/output/top-table.js';

const rows: TopRow[] = [
  {
    ts: 1717200000.011556, origH: '10.1.2.143', origP: 55274, respH: '164.94.91.77', respP: 443,
    proto: 'tcp', service: 'ssl', origBytes: 734003200, respBytes: 1623, score: 0.81234,
    reason: 'orig_bytes high, resp_p rare',
  },
  {
    ts: 1717203600.5, origH: '2001:db8:1:4:abcd:ef01:2345:6789', origP: 51515, respH: '2606:4700::6810:84e5',
    respP: 443, proto: 'udp', service: 'quic,ssl', origBytes: NaN, respBytes: NaN, score: 0.7,
    reason: 'a very long reason that goes on and on about ports, services, histories and byte counts',
  },
  {
    ts: NaN, origH: null, origP: NaN, respH: '8.8.8.8', respP: 53, proto: 'udp', service: null,
    origBytes: 12, respBytes: 999, score: 0.6, reason: 'x',
  },
];

const chars = (s: string): number => Array.from(s).length;

describe('renderTopTable', () => {
  it('prints aligned columns: time in ISO UTC, hosts and ports, proto/service, payload bytes, score, reason', () => {
    const out = renderTopTable(rows, { width: 200 });
    const lines = out.trimEnd().split('\n');
    expect(lines.length).toBe(2 + rows.length);
    expect(lines[0]).toMatch(/^#\s+time \(UTC\)\s+connection\s+proto\/svc\s+payload o\/r\s+score\s+reason$/);
    expect(lines[2]).toContain('2024-06-01T00:00:00Z');
    expect(lines[2]).toContain('10.1.2.143:55274 → 164.94.91.77:443');
    expect(lines[2]).toContain('tcp/ssl');
    expect(lines[2]).toContain('700M / 1.6K');
    expect(lines[2]).toContain('0.8123');
    expect(lines[2]).toContain('orig_bytes high, resp_p rare');
    expect(lines[4]).toContain('? → 8.8.8.8:53');
    expect(lines[4]).toContain('udp/-');
    // Every column starts at the same place on every line.
    const scoreCol = chars(lines[0].slice(0, lines[0].indexOf('score')));
    for (const l of lines.slice(2)) {
      expect(Array.from(l).slice(scoreCol - 1, scoreCol + 7).join('')).toMatch(/^\d\.\d{4}  $/);
    }
    for (const l of lines) expect(chars(l)).toBeLessThanOrEqual(200);
  });

  it('keeps to the width by shortening the reason and, in the middle, long connections', () => {
    const out = renderTopTable(rows, { width: 110 });
    for (const l of out.trimEnd().split('\n')) expect(chars(l)).toBeLessThanOrEqual(110);
    expect(out).toContain('orig_bytes high');
    expect(out).toContain('…');
    expect(out).toMatch(/\[20[^\]\n]*…[^\]\n]*\]:51515 → \[26[^\]\n]*…[^\]\n]*\]:443 /);
  });

  it('shortens the addresses of a connection that does not fit, never its ports or arrow', () => {
    // Shapes from the QA report: a global IPv6 pair, and Stratosphere 005's DHCPv6 pair, where
    // cutting the whole string in its middle lost the port (":546…") or the arrow.
    const v6: TopRow[] = [
      { ...rows[0], origH: '2601:647:4d00:1b40:8d3e:a5b1:22c:1ec7', origP: 54655, respH: '2607:f8b0:4005:80c::200e', respP: 443 },
      { ...rows[0], origH: 'fe80::da58:d7ff:fe00:f72', origP: 547, respH: 'fe80::e1ff:dec7:bebd:f5d0', respP: 546 },
      { ...rows[0], origH: '10.1.2.143', origP: 65535, respH: '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', respP: 65535 },
      { ...rows[0], origH: null, origP: NaN, respH: '2001:db8:ffff:ffff:ffff:ffff:ffff:fffe', respP: 65535 },
    ];
    const ports = [[54655, 443], [547, 546], [65535, 65535], [null, 65535]];
    const hosts = v6.map((r) => [r.origH ?? '?', r.respH!]);
    for (const ascii of [false, true]) {
      const [arrow, dots] = ascii ? [' -> ', '...'] : [' → ', '…'];
      let shortened = 0;
      for (let width = 60; width <= 200; width++) {
        const lines = renderTopTable(v6, { width, ascii }).trimEnd().split('\n');
        const [from, to] = [lines[0].indexOf('connection'), lines[0].indexOf('proto/svc')];
        lines.slice(2).forEach((line, i) => {
          const cell = Array.from(line).slice(from, to).join('').trimEnd();
          expect(chars(cell)).toBeLessThanOrEqual(to - from - 2);
          const [orig, resp] = cell.split(arrow);
          expect(resp, `${width}: ${cell}`).toBeDefined();
          const parts = [orig, resp].map((end, k) => {
            const port = ports[i][k];
            const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(end)!;
            expect(m[2] === undefined ? null : Number(m[2]), `${width}: ${cell}`).toBe(port);
            return m[1];
          });
          // What is left of each address is its start and its end, around one ellipsis.
          parts.forEach((shown, k) => {
            const full = hosts[i][k];
            if (shown === full) return;
            shortened++;
            // Found by position, not by splitting: in ASCII, an IPv4 address cut after a dot reads "10....43".
            const fits = Array.from({ length: shown.length }, (_, at) => at).some(
              (at) => shown.startsWith(dots, at) && full.startsWith(shown.slice(0, at)) && full.endsWith(shown.slice(at + dots.length)),
            );
            expect(fits, `${width}: ${cell}`).toBe(true);
            expect(shown.length).toBeLessThan(full.length);
          });
        });
      }
      expect(shortened).toBeGreaterThan(100);
    }
  });

  it('shows whole IPv6 addresses and reasons when the width allows, as on a wide terminal', () => {
    const wide: TopRow[] = [{ ...rows[0], origH: '2001:718:2:1663:8d3e:6afd:7fc2:31f8', origP: 1, respH: '2001:718:2:1663:2d5a:3899:db9f:9427', respP: 22, reason: 'resp_port rare, resp_bytes high' }];
    const line = renderTopTable(wide, { width: 200 }).trimEnd().split('\n')[2];
    expect(line).toContain('[2001:718:2:1663:8d3e:6afd:7fc2:31f8]:1 → [2001:718:2:1663:2d5a:3899:db9f:9427]:22');
    expect(line).toContain('resp_port rare, resp_bytes high');
    expect(line).not.toContain('…');
    // At 140 columns the pair does not fit with the rest: its addresses are shortened.
    const narrow = renderTopTable(wide, { width: 140 }).trimEnd().split('\n')[2];
    expect(chars(narrow)).toBeLessThanOrEqual(140);
    expect(narrow).toMatch(/\[2001:718:2:1…[^\]]*\]:1 → /);
  });

  it('has an ASCII mode and says so when there is nothing to show', () => {
    const out = renderTopTable(rows.slice(0, 1), { ascii: true, width: 140 });
    expect(out).toContain('10.1.2.143:55274 -> 164.94.91.77:443');
    expect(/[^\x00-\x7f]/.test(out)).toBe(false);
    expect(renderTopTable([])).toBe('(no records to show)\n');
  });
});

describe('helpers', () => {
  it('humanBytes uses powers of 1024', () => {
    expect(humanBytes(0)).toBe('0');
    expect(humanBytes(1023)).toBe('1023');
    expect(humanBytes(1536)).toBe('1.5K');
    expect(humanBytes(5 * 1024 ** 3)).toBe('5.0G');
    expect(humanBytes(NaN)).toBe('-');
  });

  it('truncate shortens at the end or in the middle', () => {
    expect(truncate('abcdefghij', 10)).toBe('abcdefghij');
    expect(truncate('abcdefghij', 6)).toBe('abcde…');
    expect(truncate('abcdefghij', 6, true)).toBe('abc…ij');
    expect(truncate('abcdefghij', 6, false, '...')).toBe('abc...');
  });
});
