// Browser tests of the explorable map (issue 13, section 5): the territory
// page's server-drawn SVG map, enhanced by /assets/carte.js — zoom with the
// buttons and the wheel (the map area's viewBox changes), pan with the
// keyboard and by dragging, the commune's name and value on hover and on
// keyboard focus, a click opening the commune's page; the same page without
// JavaScript (the map and its links still there); the script served with
// its type, cache and version, under the pages' Content-Security-Policy
// (no console error, so no CSP violation); axe-core (WCAG 2 A and AA) on
// the enhanced page.
//
// Run by tests/browser/run.sh (MG_BASE_URL); needs no account: the
// territory page is public. Written for Node 18: node:test only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { BASE, SHOTS, axeCheck as axeOn, consoleErrors, launch, newPage as pageIn } from './browser.mjs';

const TEST_TIMEOUT = 180_000;
const COMMUNES = 433;

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  if (browser)
    await browser.close();
});

async function newPage(javaScriptEnabled = true) {
  return pageIn(browser, { javaScriptEnabled });
}

async function open(page, url) {
  const res = await page.goto(BASE + url);
  assert.ok(res, `no response for ${url}`);
  assert.equal(res.status(), 200, `status of ${url}`);
  return res;
}

// The first map's area viewBox as numbers.
async function viewBox(page) {
  const v = await page.locator('svg.mg-map').first().locator('svg.mg-map-view')
    .getAttribute('viewBox');
  const n = v.trim().split(/[\s,]+/).map(Number);
  assert.equal(n.length, 4, `viewBox "${v}"`);
  return { x: n[0], y: n[1], w: n[2], h: n[3] };
}

// A point of the page inside the commune linked as `href` (the link's own
// path under it, not a neighbour's), found by probing its bounding box.
async function pointIn(page, href) {
  const p = await page.evaluate((h) => {
    const map = document.querySelector('svg.mg-map');
    const a = [...map.querySelectorAll('a')].find((e) => e.getAttribute('href') === h);
    if (!a)
      return null;
    const r = a.getBoundingClientRect();
    for (let i = 1; i < 10; i++)
      for (let j = 1; j < 10; j++) {
        const x = r.left + r.width * i / 10, y = r.top + r.height * j / 10;
        const e = document.elementFromPoint(x, y);
        if (e && e.closest('a') === a)
          return { x, y };
      }
    return null;
  }, href);
  assert.ok(p, `no visible point inside ${href}`);
  return p;
}

// Every violation fails here, not only the serious ones.
const axeCheck = (page, what) => axeOn(page, what, { strict: true });

test('the map script: served with its type, cache and version', { timeout: TEST_TIMEOUT }, async () => {
  const page = await newPage();
  try {
    await open(page, '/territoire');
    const src = await page.locator('head script[src^="/assets/carte.js?v="]').getAttribute('src');
    assert.match(src, /^\/assets\/carte\.js\?v=[0-9a-f]{16}$/);
    assert.equal(await page.locator('head script[src^="/assets/carte.js"]').getAttribute('defer'), '');
    const res = await page.request.get(BASE + src);
    assert.equal(res.status(), 200);
    assert.equal(res.headers()['content-type'], 'text/javascript; charset=utf-8');
    assert.match(res.headers()['cache-control'], /max-age=31536000/);
    assert.match(res.headers()['content-security-policy'], /script-src 'self'/);
    const body = await res.text();
    assert.match(body, /mg-map-view/);
    assert.doesNotMatch(body, /\beval\s*\(|new Function/);
    // Another version (an old page) is revalidated; an unknown asset is 404.
    const old = await page.request.get(BASE + '/assets/carte.js?v=0000000000000000');
    assert.equal(old.status(), 200);
    assert.equal(old.headers()['cache-control'], 'no-cache');
    const none = await page.request.get(BASE + '/assets/absent.js');
    assert.equal(none.status(), 404);
  } finally {
    await page.context().close();
  }
});

test('the map: zoom, pan, name and value, click', { timeout: TEST_TIMEOUT }, async () => {
  const page = await newPage();
  try {
    await open(page, '/territoire');
    const map = page.locator('svg.mg-map').first();
    const tools = page.locator('.mg-map-tools').first();
    await tools.waitFor();
    assert.equal(await tools.getAttribute('role'), 'toolbar');
    const home = await viewBox(page);

    // Zoom in with the button: the viewBox shrinks by 1.5 around its centre.
    await tools.getByRole('button', { name: 'Zoomer', exact: true }).click();
    let v = await viewBox(page);
    assert.ok(Math.abs(v.w - home.w / 1.5) < 0.01, `width ${v.w} after zooming in from ${home.w}`);
    assert.ok(Math.abs((v.x + v.w / 2) - (home.x + home.w / 2)) < 0.01, 'zoomed around the centre');
    // Strokes keep their size on screen: the communes' stroke scaled down.
    const sw = Number(await map.locator('g.mg-communes').getAttribute('stroke-width'));
    assert.ok(sw < 0.6 && sw > 0.3, `stroke width ${sw}`);
    await tools.getByRole('button', { name: 'Dézoomer', exact: true }).click();
    v = await viewBox(page);
    assert.ok(Math.abs(v.w - home.w) < 0.01, 'zoomed out back');
    // The names of the main communes keep their size and their place beside
    // their dot on screen (the pin scaled back about its point).
    const pinBoxes = () => page.evaluate(() => {
      const pin = document.querySelector('svg.mg-map .mg-pin');
      const t = pin.querySelector('text').getBoundingClientRect();
      const c = pin.querySelector('circle').getBoundingClientRect();
      return { w: t.width, h: t.height, dx: t.left - c.left, dy: t.top - c.top };
    });
    assert.ok(await map.locator('.mg-labels .mg-pin').count() > 0, 'the main communes are named');
    const before = await pinBoxes();
    for (let i = 0; i < 3; i++)
      await tools.getByRole('button', { name: 'Zoomer', exact: true }).click();
    const zoomed = await pinBoxes();
    for (const k of ['w', 'h', 'dx', 'dy'])
      assert.ok(Math.abs(zoomed[k] - before[k]) < 1.5, `name ${k}: ${before[k]} → ${zoomed[k]}`);
    await tools.getByRole('button', { name: 'Vue initiale' }).click();
    // Up to 16 times: the button then says it is disabled, and keeps the focus.
    const zin = tools.getByRole('button', { name: 'Zoomer', exact: true });
    await zin.focus();
    for (let i = 0; i < 9; i++)
      await page.keyboard.press('Enter');
    v = await viewBox(page);
    assert.ok(Math.abs(home.w / v.w - 16) < 0.01, `zoom ${home.w / v.w}, at most 16`);
    assert.equal(await zin.getAttribute('aria-disabled'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'mg-zoom-in');
    await tools.getByRole('button', { name: 'Vue initiale' }).click();
    assert.equal(await zin.getAttribute('aria-disabled'), 'false');

    // The wheel zooms in around the pointer.
    const box = await map.locator('svg.mg-map-view').boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -200);
    await page.waitForFunction((w) => {
      const e = document.querySelector('svg.mg-map svg.mg-map-view');
      return Number(e.getAttribute('viewBox').split(/\s+/)[2]) < w - 0.01;
    }, home.w);
    await tools.getByRole('button', { name: 'Vue initiale' }).click();
    v = await viewBox(page);
    assert.deepEqual(v, home);

    // Pan with the keyboard: focus on the map, arrows move the view.
    await map.focus();
    await page.keyboard.press('+');
    const z = await viewBox(page);
    assert.ok(z.w < home.w, 'the + key zooms in');
    await page.keyboard.press('ArrowRight');
    v = await viewBox(page);
    assert.ok(v.x > z.x && Math.abs(v.y - z.y) < 1e-6 && Math.abs(v.w - z.w) < 1e-6,
      `ArrowRight moves east: ${JSON.stringify(z)} → ${JSON.stringify(v)}`);
    await page.keyboard.press('ArrowUp');
    const v2 = await viewBox(page);
    assert.ok(v2.y < v.y && Math.abs(v2.x - v.x) < 1e-6, 'ArrowUp moves north');
    await page.keyboard.press('0');
    assert.deepEqual(await viewBox(page), home);

    // Drag: the view follows, and the commune under the pointer is not opened.
    const start = await pointIn(page, '/commune/11069?profession=mg');
    await page.mouse.move(start.x, start.y);
    await page.mouse.down();
    await page.mouse.move(start.x + 40, start.y + 25, { steps: 5 });
    await page.mouse.up();
    v = await viewBox(page);
    assert.ok(v.x < home.x && v.y < home.y, `dragged right and down: ${JSON.stringify(v)}`);
    assert.match(page.url(), /\/territoire$/);
    await tools.getByRole('button', { name: 'Vue initiale' }).click();

    // Hover: the commune's name and value, as its title says them.
    const carca = map.locator('a[href="/commune/11069?profession=mg"]');
    const title = await carca.locator('title').textContent();
    assert.match(title, /^Carcassonne \(11069\) : \d+,\d+ /);
    const p = await pointIn(page, '/commune/11069?profession=mg');
    await page.mouse.move(p.x, p.y);
    const tip = page.locator('.mg-map-tip').first();
    await tip.waitFor({ state: 'visible' });
    assert.equal(await tip.textContent(), title);
    assert.equal(await tip.getAttribute('aria-hidden'), 'true');
    await page.screenshot({ path: path.join(SHOTS, 'map-hover.png') });

    // Keyboard focus: Tab into the map's links shows the focused commune.
    await page.mouse.move(0, 0);
    await tip.waitFor({ state: 'hidden' });
    await map.focus();
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const a = document.activeElement;
      return a && a.closest('svg.mg-map') && a.localName === 'a'
        ? a.querySelector('title').textContent : null;
    });
    assert.ok(focused, 'Tab from the map goes to a commune');
    await tip.waitFor({ state: 'visible' });
    assert.equal(await tip.textContent(), focused);
    // The focused commune is outlined over its neighbours (its visible focus).
    const outlined = await page.evaluate(() => {
      const m = document.querySelector('svg.mg-map .mg-map-focus');
      const p = document.activeElement.querySelector('path');
      return m && m.getAttribute('visibility') === 'visible' && m === m.parentNode.lastElementChild &&
        m.getAttribute('d') === p.getAttribute('d');
    });
    assert.ok(outlined, 'the focused commune is outlined on top');
    // Enter opens it (a link).
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.match(new URL(page.url()).pathname, /^\/commune\/\d{5}$/);

    // A click opens the commune.
    await open(page, '/territoire');
    await page.locator('.mg-map-tools').first().waitFor();
    const q = await pointIn(page, '/commune/11069?profession=mg');
    await Promise.all([page.waitForNavigation(), page.mouse.click(q.x, q.y)]);
    assert.equal(new URL(page.url()).pathname, '/commune/11069');
  } finally {
    await page.context().close();
  }
});

test('a map framed on a scope: the scope first, the rest greyed and reachable', { timeout: TEST_TIMEOUT }, async () => {
  const page = await newPage();
  try {
    await open(page, '/territoire?perimetre=epci:200035707');
    const map = page.locator('svg.mg-map').first();
    await page.locator('.mg-map-tools').first().waitFor();
    // The server framed it: 395 communes outside Piège-Lauragais-Malepère greyed.
    assert.equal(await map.locator('path.mg-out').count(), COMMUNES - 38);
    assert.equal(await map.locator('g.mg-scope-outline path').count(), 38);
    const framed = await viewBox(page);
    const port = Number(await map.locator('svg.mg-map-view').getAttribute('width'));
    assert.ok(framed.w < port, `framed: ${framed.w} of ${port} pixels shown`);
    // Zooming out shows more of the territory; the initial view is the scope's.
    const tools = page.locator('.mg-map-tools').first();
    await tools.getByRole('button', { name: 'Dézoomer', exact: true }).click();
    assert.ok((await viewBox(page)).w > framed.w);
    await tools.getByRole('button', { name: 'Vue initiale' }).click();
    assert.deepEqual(await viewBox(page), framed);
    await axeCheck(page, '/territoire framed on an EPCI');
  } finally {
    await page.context().close();
  }
});

test('the map without JavaScript: drawn, every commune a link', { timeout: TEST_TIMEOUT }, async () => {
  const page = await newPage(false);
  try {
    await open(page, '/territoire');
    const map = page.locator('svg.mg-map').first();
    assert.equal(await map.locator('svg.mg-map-view a[href^="/commune/"]').count(), COMMUNES);
    assert.equal(await page.locator('.mg-map-tools').count(), 0);
    const title = await map.locator('a[href="/commune/11069?profession=mg"] title').textContent();
    assert.match(title, /^Carcassonne \(11069\) : /);
    const q = await pointIn(page, '/commune/11069?profession=mg');
    await Promise.all([page.waitForNavigation(), page.mouse.click(q.x, q.y)]);
    assert.equal(new URL(page.url()).pathname, '/commune/11069');
  } finally {
    await page.context().close();
  }
});

test('the enhanced map: axe-core finds no violation, no console error', { timeout: TEST_TIMEOUT }, async () => {
  const page = await newPage();
  try {
    await open(page, '/territoire');
    await page.locator('.mg-map-tools').first().waitFor();
    await page.locator('.mg-map-tools').first().getByRole('button', { name: 'Zoomer', exact: true }).click();
    await page.locator('svg.mg-map').first().focus();
    await page.keyboard.press('Tab');
    await page.locator('.mg-map-tip').first().waitFor({ state: 'visible' });
    await axeCheck(page, '/territoire with the explorable map');
    await page.screenshot({ path: path.join(SHOTS, 'map-explore.png') });
  } finally {
    await page.context().close();
  }
  assert.deepEqual(consoleErrors, [], 'console errors (a CSP violation is one)');
});
