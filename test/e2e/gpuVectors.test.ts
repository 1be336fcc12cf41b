// vectors.json's DW reference case (c_dw_end_to_end) on the WebGPU backend, in Debian's Chromium on
// its software adapter, to the same tolerance as the CPU backends: rtol 1e-5, atol 1e-6 (SPEC §11:
// the reference ran in float32). A hardware adapter's exp and log may differ by a few ulps more; the
// trainer's own check of a new adapter allows 1e-3 on the loss and the gradient.
import { build } from 'esbuild';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs } from '../../src-main/compute/browser';
import { expectClose, vectors } from '../unit/detector/helpers';
import { chromiumPath, ROOT } from './harness';

const RTOL = 1e-5;
const ATOL = 1e-6;

let server: http.Server;
let browser: Browser;
let url = '';

beforeAll(async () => {
  const out = await build({
    absWorkingDir: ROOT,
    entryPoints: [path.join(__dirname, 'gpu', 'vectorsPage.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    write: false,
    logLevel: 'warning',
  });
  const script = out.outputFiles[0]!.contents;
  server = http.createServer((req, res) => {
    if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else if (req.url === '/')
      res.writeHead(200, { 'content-type': 'text/html' }).end('<script src="/page.js"></script>');
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const profile = mkdtempSync(path.join(os.tmpdir(), 'dws-gpu-vectors-'));
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // The trainer's own switches for its GPU page, on the software adapter.
    args: chromiumArgs(profile, true).filter(
      (a) => !a.startsWith('--headless') && !a.startsWith('--user-data-dir'),
    ),
  });
});
afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
});

describe('DW reference image on webgpu', () => {
  it('reproduces every intermediate and the three losses', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(
      () => (globalThis as unknown as { __dwVectors?: unknown }).__dwVectors !== undefined,
      null,
      {
        timeout: 120_000,
      },
    );
    const got = (await page.evaluate(
      () => (globalThis as unknown as { __dwVectors: unknown }).__dwVectors,
    )) as Record<string, number[]> & { error?: string };
    expect(got.error).toBeUndefined();
    expect(got.backend).toEqual([1]);
    const OUT = vectors().c_dw_end_to_end.outputs;
    const close = (a: number[], e: unknown, what: string) => expectClose(a, e, what, RTOL, ATOL);
    close(got.s!, OUT['joint_score s = sigmoid(cls)*sigmoid(ctr)'], 's');
    close(got.giouLoss!, OUT['giou_loss_pred_vs_gt (all pairs)'], 'giou loss');
    close(got.iou!, OUT['iou_pred_vs_gt (0 outside gt box)'], 'iou');
    close(got.pCls!, OUT['p_cls = s[:, gt_label]'], 'p_cls');
    close(got.pLoc!, OUT['p_loc = exp(-5*giou_loss)'], 'p_loc');
    close(got.t!, OUT['t = p_cls*p_loc'], 't');
    close(got.wPos!, OUT['w_pos (= w_reg)'], 'w_pos');
    close(got.pNeg!, OUT['P_neg (P x C)'], 'P_neg');
    close(got.negAvgFactor!, OUT['neg_avg_factor = sum(1-P_neg)'], 'N_neg');
    const L = OUT.losses;
    close(got.clsPos!, L.loss_cls_pos, 'loss_cls_pos');
    close(got.loc!, L.loss_loc, 'loss_loc');
    close(got.clsNeg!, L.loss_cls_neg, 'loss_cls_neg');
    close(got.total!, L.total, 'total');
  }, 180_000);
});
