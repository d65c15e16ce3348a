import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeBenchReport } from '../../src/report/bench-report.ts';
import { browserSkip, CHROMIUM, tempDir } from '../helpers.ts';
import { writeSyntheticBench } from './fixtures.ts';


test('report from synthetic runs: Table 1 with bold best per column, CSVs, SVG/PNG plots, HTML in headless Chromium', { timeout: 90_000 }, async (t) => {
  const dir = tempDir('activekd-bench-report-');
  const strategies = ['random', 'entropy', 'pcoreset'];
  const frameworks = ['no-distill', 'zero-shot'];
  writeSyntheticBench(dir, strategies, frameworks, [1, 2, 3]);
  const { summary } = await writeBenchReport(dir, { targetAccuracy: 65 });
  assert.equal(summary.groups.length, 6);
  // pcoreset is constructed best (+0.01 per strategy index); the comparisons cover 2 baselines × 2 metrics × 2 frameworks.
  assert.equal(summary.comparisons.length, 8);
  const md = readFileSync(join(dir, 'table1.md'), 'utf8');
  assert.match(md, /^\| Strategy \| no-distill \| zero-shot \|/);
  const pc = md.split('\n').find((l) => l.startsWith('| pcoreset')) ?? '';
  assert.equal((pc.match(/\*\*/g) ?? []).length, 4, md);
  // tables.md: Table 1, then the AUBC grid (same bold best), then one paired-test row per comparison
  const tables = readFileSync(join(dir, 'tables.md'), 'utf8');
  assert.ok(tables.includes(md), 'tables.md holds Table 1 verbatim');
  assert.match(tables, /over 3 seeds \(Table 1\)/);
  const aubcPart = tables.slice(tables.indexOf('### Area under'), tables.indexOf('### Paired'));
  const pcAubc = summary.groups.find((g) => g.strategy === 'pcoreset' && g.framework === 'zero-shot')!.aubc;
  assert.ok(aubcPart.includes(`**${pcAubc.mean.toFixed(2)} ± ${pcAubc.ci95.toFixed(2)}**`), aubcPart);
  const testRows = tables.slice(tables.indexOf('### Paired')).split('\n').filter((l) => l.startsWith('| zero-shot') || l.startsWith('| no-distill'));
  assert.equal(testRows.length, summary.comparisons.length);
  const c0 = summary.comparisons[0]!;
  assert.ok(testRows[0]!.includes(`| ${c0.reference} vs ${c0.baseline} | 3 | ${c0.tTest.meanDiff.toFixed(2)} |`), testRows[0]);
  for (const f of ['tables.md', 'final.csv', 'curves.csv', 'comparisons.csv', 'criteria.csv', 'bias.csv', 'picked-classes.csv', 'stopping.csv', 'summary.json', 'report.html']) assert.ok(existsSync(join(dir, f)), f);
  const plots = ['curve-no-distill', 'curve-zero-shot', 'criteria', 'bias', 'heatmap-random', 'heatmap-entropy', 'heatmap-pcoreset', 'picked-classes-true', 'picked-classes-predicted', 'stopping'];
  // one colour per strategy across plots: the colour domain is the grid's strategy order
  const colorDomains = (o: unknown): string[][] => {
    if (o === null || typeof o !== 'object') return [];
    const r = o as Record<string, unknown>;
    const here = (r.color as { field?: string; scale?: { domain?: string[] } } | undefined)?.field === 'strategy' ? [(r.color as { scale?: { domain?: string[] } }).scale?.domain ?? []] : [];
    return [...here, ...Object.values(r).flatMap(colorDomains)];
  };
  for (const p of ['curve-zero-shot', 'criteria', 'bias', 'stopping']) {
    const d = colorDomains(JSON.parse(readFileSync(join(dir, 'plots', `${p}.vl.json`), 'utf8')));
    assert.ok(d.length >= 1, p);
    for (const x of d) assert.deepEqual(x, summary.strategies, p);
  }
  for (const p of plots) {
    assert.match(readFileSync(join(dir, 'plots', `${p}.svg`), 'utf8'), /^<svg/);
    assert.deepEqual([...readFileSync(join(dir, 'plots', `${p}.png`)).subarray(1, 4)], [0x50, 0x4e, 0x47]);
  }

  const noBrowser = browserSkip();
  if (noBrowser) {
    t.diagnostic(noBrowser);
    return;
  }
  const { chromium } = await import('playwright-core');
  const userDataDir = mkdtempSync(join(tmpdir(), 'activekd-chromium-'));
  const ctx = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await ctx.newPage();
    await page.goto(`file://${join(dir, 'report.html')}`);
    assert.equal(await page.locator('figure.plot > svg').count(), plots.length);
    // Every plot has drawn marks and a non-zero size.
    const sizes = await page.$$eval('figure.plot > svg', (els) => els.map((e) => ({ w: e.getBoundingClientRect().width, marks: e.querySelectorAll('path').length })));
    for (const s of sizes) assert.ok(s.w > 50 && s.marks > 0, JSON.stringify(s));
    assert.equal(await page.locator('#table1 tbody tr').count(), strategies.length);
    assert.equal(await page.locator('#table1 b').count(), frameworks.length);
    assert.match((await page.locator('#table1').innerText()) ?? '', /pcoreset/);
    // The picked-classes and stopping sections: one row per strategy × framework, their plots drawn inside them.
    assert.equal(await page.locator('#picked-classes tbody tr').count(), strategies.length * frameworks.length);
    assert.equal(await page.locator('#stopping tbody tr').count(), strategies.length * frameworks.length);
    assert.equal(await page.locator('p.lacking').count(), 0);
  } finally {
    await ctx.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
});
