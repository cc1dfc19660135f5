#!/usr/bin/env node
// Real-browser XSS harness: renders sanitiser outputs in Debian's headless
// Chromium (driven by playwright-core) and proves that none of them can execute
// script or make a network request.
//
// Usage:
//   node tests/browser/xss-harness.mjs <input.json> [--report out.json]
//   node tests/browser/xss-harness.mjs --self-test
// Options: --wait-ms N (default 100: wait after the events), --settle-ms N (default 2000:
//   longest wait for the documents to finish loading before the events), --batch-size N (default 16),
//   --concurrency N (default 2), --allow-link-navigation, --limit N, --verbose,
//   --max-failures-shown N (default 50).
// Environment: CHROMIUM=/path/to/chromium (default /usr/bin/chromium).
//
// Input (argv): [{"source": "...", "raw": "...", "outputs": {"default": "...", "rich": "..."}}, ...]
//
// Exit codes: 0 every sanitised output is inert; 1 some sanitised output executed
// script, attempted a request/navigation or disrupted the harness; 2 the raw
// payloads showed zero executions (harness would be blind); 3 usage or internal error.
//
// How execution is detected (each case is rendered in its own same-origin
// about:blank iframe, so every event can be attributed to a case by frame):
//  * CDP Debugger.scriptParsed in the page's main world of any frame: every
//    inline <script>, event-handler attribute, javascript: URL, eval/Function/
//    string-setTimeout compiles a script and is reported (V8 disables its
//    compilation cache while the debugger is on, so repeats are reported too).
//  * alert/confirm/prompt/print/open are replaced, in every new document via
//    Page.addScriptToEvaluateOnNewDocument, by functions that call a CDP
//    binding (Runtime.addBinding '__xss'); native dialogs are counted as well.
//  * every request except the harness page itself goes through context.route,
//    is counted and blocked (subresources aborted, navigations answered with
//    204 so the frame stays where it is); cross-document frame navigations
//    (data:, javascript: results, ...), popups and WebSockets are counted too.
//  * the local HTTP server counts any hit other than the harness page, in case
//    something bypassed interception.
import { chromium } from 'playwright-core';
import http from 'node:http';
import fs from 'node:fs';
import crypto from 'node:crypto';
import process from 'node:process';

const MODES = ['inner', 'write'];
const EXEC_KINDS = new Set(['script', 'alert', 'confirm', 'prompt', 'print', 'open', 'dialog']);
const REQUEST_KINDS = new Set(['request', 'websocket']);
const NAV_KINDS = new Set(['navigation', 'popup']);
const INIT_MARKER = '__xss_harness_init__';
const PAGE_MARKER = '__xss_harness_page__';
const MAX_EVENTS_KEPT = 40;

// ---------------------------------------------------------------- options
function parseArgs(argv) {
  const o = {
    input: null, report: null, selfTest: false, waitMs: 100, batchSize: 16,
    concurrency: 2, allowLinkNavigation: false, limit: 0, verbose: false, settleMs: 2000,
    maxFailuresShown: 50,
  };
  const num = (v, name) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`bad value for ${name}: ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--report': o.report = next(); break;
      case '--self-test': o.selfTest = true; break;
      case '--wait-ms': o.waitMs = num(next(), a); break;
      case '--settle-ms': o.settleMs = num(next(), a); break;
      case '--batch-size': o.batchSize = Math.max(1, num(next(), a) | 0); break;
      case '--concurrency': o.concurrency = Math.max(1, num(next(), a) | 0); break;
      case '--allow-link-navigation': o.allowLinkNavigation = true; break;
      case '--limit': o.limit = num(next(), a) | 0; break;
      case '--verbose': o.verbose = true; break;
      case '--max-failures-shown': o.maxFailuresShown = num(next(), a) | 0; break;
      case '-h': case '--help': o.help = true; break;
      default:
        if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
        if (o.input) throw new Error(`unexpected argument ${a}`);
        o.input = a;
    }
  }
  if (process.env.XSS_WAIT_MS && !argv.includes('--wait-ms')) o.waitMs = num(process.env.XSS_WAIT_MS, 'XSS_WAIT_MS');
  return o;
}

const USAGE = `usage: node tests/browser/xss-harness.mjs <input.json> [--report out.json] [--wait-ms 100]
         [--settle-ms 2000] [--batch-size 16] [--concurrency 2] [--allow-link-navigation] [--limit N] [--verbose]
       node tests/browser/xss-harness.mjs --self-test [--report out.json]`;

// ---------------------------------------------------------------- in-page code
// Script run in every new document (all frames) before any of the document's own
// scripts: hooks the classic "did it execute" sinks and reports via the CDP binding.
const INIT_SCRIPT = `(() => {
  const b = globalThis.__xss;
  if (typeof b !== 'function') return;
  const report = (kind, args) => {
    let detail = '';
    try { detail = Array.prototype.map.call(args, (x) => String(x)).join(', ').slice(0, 200); } catch (e) {}
    try { b(JSON.stringify({ kind, detail })); } catch (e) {}
  };
  const hook = (name, ret) => {
    try {
      Object.defineProperty(window, name, {
        configurable: true, writable: true,
        value: function () { report(name, arguments); return ret; },
      });
    } catch (e) {}
  };
  hook('alert', undefined); hook('confirm', false); hook('prompt', null); hook('print', undefined); hook('open', null);
})();
//# sourceURL=${INIT_MARKER}`;

// The harness page's own code (runs in the top frame, served from 127.0.0.1).
function pageMain(TOKEN) {
  const stage = document.getElementById('stage');
  const frames = new Map();
  const TYPES = [
    // mouse / pointer / touch / wheel
    'mouseover', 'mouseenter', 'mousemove', 'mousedown', 'mouseup', 'mouseout', 'mouseleave',
    'dblclick', 'contextmenu', 'auxclick', 'wheel', 'mousewheel',
    'pointerover', 'pointerenter', 'pointerdown', 'pointermove', 'pointerrawupdate', 'pointerup',
    'pointercancel', 'pointerout', 'pointerleave', 'gotpointercapture', 'lostpointercapture',
    'touchstart', 'touchmove', 'touchend', 'touchcancel',
    // focus / keyboard / input / forms
    'focus', 'focusin', 'blur', 'focusout', 'DOMFocusIn', 'DOMFocusOut', 'DOMActivate',
    'keydown', 'keypress', 'keyup', 'beforeinput', 'input', 'change', 'select', 'selectstart',
    'selectionchange', 'invalid', 'search', 'reset', 'submit', 'formdata',
    // resources
    'load', 'error', 'abort', 'loadstart', 'progress', 'loadend',
    // CSS animations / transitions
    'animationstart', 'animationiteration', 'animationend', 'animationcancel',
    'webkitanimationstart', 'webkitanimationiteration', 'webkitanimationend',
    'transitionrun', 'transitionstart', 'transitionend', 'transitioncancel', 'webkittransitionend',
    // SVG SMIL
    'beginEvent', 'endEvent', 'repeatEvent', 'SVGLoad',
    // drag & drop, clipboard
    'drag', 'dragstart', 'dragend', 'dragenter', 'dragleave', 'dragover', 'drop',
    'copy', 'cut', 'paste',
    // media
    'play', 'playing', 'pause', 'ended', 'canplay', 'canplaythrough', 'loadeddata',
    'loadedmetadata', 'durationchange', 'timeupdate', 'volumechange', 'seeking', 'seeked',
    'waiting', 'stalled', 'suspend', 'emptied', 'ratechange', 'cuechange', 'enter', 'exit',
    // misc element events
    'toggle', 'beforetoggle', 'beforematch', 'scroll', 'scrollend', 'resize', 'close', 'cancel',
    'show', 'slotchange', 'contentvisibilityautostatechange', 'securitypolicyviolation',
    'contextlost', 'contextrestored', 'fullscreenchange', 'fullscreenerror',
    'webkitfullscreenchange', 'webkitfullscreenerror', 'pointerlockchange', 'pointerlockerror',
    'scrollsnapchange', 'scrollsnapchanging', 'command', 'finish', 'bounce', 'start',
    // window / document
    'afterprint', 'beforeprint', 'beforeunload', 'hashchange', 'languagechange', 'message',
    'messageerror', 'offline', 'online', 'pagehide', 'pageshow', 'pagereveal', 'pageswap',
    'popstate', 'rejectionhandled', 'storage', 'unhandledrejection', 'unload',
    'DOMContentLoaded', 'readystatechange', 'visibilitychange', 'freeze', 'resume',
    'prerenderingchange',
  ];
  // Without script, a listener can only come from an on* content attribute, so
  // elements without one get the common interaction/resource events only (cheaper),
  // elements with one get every type plus the attribute's own type.
  const CORE = [
    'mouseover', 'mouseenter', 'mousemove', 'mousedown', 'mouseup', 'mouseout', 'mouseleave',
    'dblclick', 'contextmenu', 'auxclick', 'pointerover', 'pointerenter', 'pointerdown',
    'pointerup', 'pointerout', 'pointerleave', 'focus', 'focusin', 'blur', 'focusout',
    'DOMActivate', 'keydown', 'keypress', 'keyup', 'input', 'change', 'submit', 'load', 'error',
    'animationstart', 'animationend', 'transitionend', 'toggle', 'scroll', 'wheel', 'touchstart',
  ];
  // on* attribute names whose event type is not simply the rest of the name
  const ATTR_TYPES = {
    onbegin: ['beginEvent'], onend: ['endEvent'], onrepeat: ['repeatEvent'],
    onwebkitanimationstart: ['webkitAnimationStart'], onwebkitanimationiteration: ['webkitAnimationIteration'],
    onwebkitanimationend: ['webkitAnimationEnd'], onwebkittransitionend: ['webkitTransitionEnd'],
    ondomcontentloaded: ['DOMContentLoaded'], onfocusin: ['DOMFocusIn'], onfocusout: ['DOMFocusOut'],
  };
  const TYPESET = new Set(TYPES);
  const MOUSE = /^(mouse|dblclick|contextmenu|auxclick|click)/;
  const POINTER = /^(pointer|gotpointercapture|lostpointercapture)/;
  const FOCUS = /^(focus|blur|DOMFocus)/;
  const KEY = /^key/;

  function mkEvent(w, type) {
    const init = { bubbles: false, cancelable: true, composed: true };
    try {
      if (POINTER.test(type)) return new w.PointerEvent(type, { ...init, view: w });
      if (MOUSE.test(type)) return new w.MouseEvent(type, { ...init, view: w });
      if (FOCUS.test(type)) return new w.FocusEvent(type, { ...init, view: w });
      if (KEY.test(type)) return new w.KeyboardEvent(type, { ...init, view: w, key: 'a' });
      return new w.Event(type, init);
    } catch (e) {
      return new Event(type, init);
    }
  }
  function fire(target, w, type) {
    try { target.dispatchEvent(mkEvent(w, type)); } catch (e) { /* ignore */ }
  }
  // All elements of a document, including open shadow roots.
  function collect(root, out) {
    const stack = [root];
    while (stack.length) {
      const node = stack.pop();
      const kids = node.children || [];
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
      if (node.nodeType === 1) {
        out.push(node);
        if (node.shadowRoot) stack.push(node.shadowRoot);
        if (node.localName === 'template' && node.content) stack.push(node.content);
      }
    }
    return out;
  }
  function hrefOf(el, d) {
    try {
      const h = el.href;
      if (typeof h === 'string') return h;
      if (h && typeof h.baseVal === 'string') return new URL(h.baseVal, d.baseURI).href;
      const x = el.getAttribute('xlink:href') || el.getAttributeNS('http://www.w3.org/1999/xlink', 'href');
      if (x) return new URL(x, d.baseURI).href;
    } catch (e) { /* ignore */ }
    return null;
  }
  // Fire every event on window, document and every element, focus everything,
  // then click everything (and submit forms). Recurses into same-origin frames.
  function poke(w, d, depth) {
    const hrefs = [];
    if (!d) return hrefs;
    for (const t of TYPES) fire(w, w, t);
    fire(w, w, 'click');
    for (const t of TYPES) fire(d, w, t);
    fire(d, w, 'click');
    const els = collect(d, []);
    for (const el of els) {
      const attrs = el.attributes ? Array.from(el.attributes) : [];
      const extra = [];
      for (const a of attrs) {
        const n = a.name.toLowerCase();
        if (!n.startsWith('on') || n.length <= 2) continue;
        for (const t of [n.slice(2), ...(ATTR_TYPES[n] || [])]) if (!TYPESET.has(t)) extra.push(t);
      }
      const hasHandlerAttr = attrs.some((a) => /^on./i.test(a.name));
      for (const t of hasHandlerAttr ? TYPES : CORE) fire(el, w, t);
      for (const t of extra) { fire(el, w, t); fire(w, w, t); fire(d, w, t); }
      try { if (typeof el.focus === 'function') el.focus(); } catch (e) { /* ignore */ }
      try { if (typeof el.blur === 'function') el.blur(); } catch (e) { /* ignore */ }
      try { if (el.localName === 'details') el.open = true; } catch (e) { /* ignore */ }
    }
    for (const el of els) {
      if (el.localName === 'a' || el.localName === 'area') {
        const h = hrefOf(el, d);
        if (h) hrefs.push(h);
      }
      try {
        if (typeof el.click === 'function') el.click();
        else el.dispatchEvent(new w.MouseEvent('click', { bubbles: true, cancelable: true, view: w }));
      } catch (e) { /* ignore */ }
      if (el.localName === 'form') {
        try { el.requestSubmit(); } catch (e) { /* ignore */ }
      }
    }
    if (depth < 3) {
      for (const el of els) {
        if (!/^(iframe|frame|object|embed)$/.test(el.localName)) continue;
        try {
          const cd = el.contentDocument;
          const cw = el.contentWindow;
          if (cd && cw) hrefs.push(...poke(cw, cd, depth + 1));
        } catch (e) { /* cross-origin: skip */ }
      }
    }
    return hrefs;
  }

  const HOOKS = ['alert', 'confirm', 'prompt', 'print', 'open'];
  const SKELETON = '<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>';
  const slots = new Map(); // slot name -> { f: iframe, hooks: {alert, ...} }

  // Undo what a previous render may have left in a reused frame's window
  // (frames in which anything executed are never reused; this is belt and braces).
  function resetWindow(w, hooks) {
    try {
      const last = w.setTimeout(() => {}, 0);
      for (let i = 1; i <= last; i++) { w.clearTimeout(i); w.clearInterval(i); }
    } catch (e) { /* ignore */ }
    try {
      const last = w.requestAnimationFrame(() => {});
      for (let i = 1; i <= last; i++) w.cancelAnimationFrame(i);
    } catch (e) { /* ignore */ }
    for (const k of HOOKS) { try { w[k] = hooks[k]; } catch (e) { /* ignore */ } }
  }

  window.__H = {
    token: TOKEN,
    // Create fresh frames (each gets the init-script hooks on creation).
    ensure(names) {
      let ok = 0;
      for (const name of names) {
        const f = document.createElement('iframe');
        f.name = name;
        f.setAttribute('style', 'position:absolute;left:0;top:0;width:1000px;height:700px;border:0;background:#fff');
        stage.appendChild(f);
        const w = f.contentWindow;
        const hooks = {};
        for (const k of HOOKS) hooks[k] = w[k];
        if (f.contentDocument) ok++;
        slots.set(name, { f, hooks });
      }
      return ok;
    },
    drop(names) {
      for (const name of names) {
        const s = slots.get(name);
        if (s) { try { s.f.remove(); } catch (e) { /* ignore */ } }
        slots.delete(name);
      }
    },
    // items: [{slot, mode, html}]; mode 'inner' = div.innerHTML in a blank document,
    // 'write' = the output as a whole document via document.open/write/close.
    render(items) {
      const errors = {};
      for (const { slot, mode, html } of items) {
        try {
          const s = slots.get(slot);
          const w = s.f.contentWindow;
          const d = s.f.contentDocument;
          if (!d) throw new Error('frame not accessible');
          resetWindow(w, s.hooks);
          if (mode === 'inner') {
            // document.open gives the document the harness page's URL, as a real
            // page would have, so '#fragment' links stay in-document.
            d.open();
            d.write(SKELETON);
            d.close();
            const div = d.createElement('div');
            (d.body || d.documentElement).appendChild(div);
            div.innerHTML = html;
          } else {
            d.open();
            d.write(html);
            d.close();
          }
        } catch (e) {
          errors[slot] = String(e && e.message || e);
        }
      }
      return errors;
    },
    poke(names) {
      const links = {};
      for (const name of names) {
        try {
          const s = slots.get(name);
          if (s && s.f.isConnected) links[name] = poke(s.f.contentWindow, s.f.contentDocument, 0);
        } catch (e) { /* ignore */ }
      }
      return links;
    },
    // How many of these frames are still loading (e.g. parser blocked on a script request).
    loading(names) {
      let n = 0;
      for (const name of names) {
        try {
          const d = slots.get(name).f.contentDocument;
          if (d && d.readyState !== 'complete') n++;
        } catch (e) { /* navigated away: not our concern here */ }
      }
      return n;
    },
    // Blank every used frame; report frames that can no longer be reused.
    reset(names) {
      const bad = [];
      for (const name of names) {
        const s = slots.get(name);
        try {
          const d = s && s.f.isConnected && s.f.contentDocument;
          if (!d) { bad.push(name); continue; }
          resetWindow(s.f.contentWindow, s.hooks);
          d.open();
          d.write(SKELETON);
          d.close();
        } catch (e) {
          bad.push(name);
        }
      }
      const alive = stage.isConnected && document.getElementById('stage') === stage &&
        !!window.__H && window.__H.token === TOKEN;
      return { alive, bad };
    },
  };
}

function harnessHtml(token) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>xss harness</title></head>
<body><div id="stage"></div><script>
(${pageMain.toString()})(${JSON.stringify(token)});
//# sourceURL=${PAGE_MARKER}
</script></body></html>`;
}

// ---------------------------------------------------------------- helpers
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function withTimeout(p, ms, what) {
  let t;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`timeout after ${ms} ms in ${what}`)), ms); }),
  ]);
}
const stripHash = (u) => { const i = u.indexOf('#'); return i < 0 ? u : u.slice(0, i); };
const clip = (s, n) => (s.length > n ? s.slice(0, n) + `…(+${s.length - n} chars)` : s);

// ---------------------------------------------------------------- server
async function startServer(token) {
  const harnessPath = `/__xss_harness__/${token}.html`;
  const unexpected = [];
  const body = harnessHtml(token);
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === harnessPath) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(body);
      return;
    }
    unexpected.push(`${req.method} ${req.url}`);
    res.writeHead(404);
    res.end();
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${server.address().port}${harnessPath}`;
  return { server, url, unexpected };
}

// ---------------------------------------------------------------- worker
class Worker {
  constructor(id, browser, harnessUrl, opts, sink) {
    this.id = id;
    this.browser = browser;
    this.harnessUrl = harnessUrl;
    this.opts = opts;
    this.sink = sink; // Results: isKey(), event(key|null, ev, worker)
    this.generation = 0;
    this.slotCounter = 0;
  }

  async open() {
    this.generation++;
    const gen = this.generation;
    this.slots = [];               // [{name, frameId, key, dirty}]
    this.slotByName = new Map();   // frame name -> slot
    this.slotByFrameId = new Map(); // CDP frameId -> slot
    this.frameParent = new Map();  // CDP frameId -> parent frameId
    this.ctxFrame = new Map();     // execution context id -> CDP frameId
    this.infraHashes = new Set();  // scripts seen in brand-new empty frames = harness/Playwright plumbing
    this.phase = 'open';
    this.loading = true;
    this.disrupted = null;
    this.batch = null;

    const context = await this.browser.newContext({
      serviceWorkers: 'block',
      acceptDownloads: false,
      viewport: { width: 1024, height: 768 },
    });
    this.context = context;
    await context.route('**/*', (route) => this.onRoute(route, gen));
    context.on('page', (p) => {
      if (gen !== this.generation || p === this.page || this.phase === 'open') return;
      this.record(null, { kind: 'popup', url: p.url() });
      setTimeout(() => p.close().catch(() => {}), 200);
    });
    const page = await context.newPage();
    this.page = page;
    page.on('dialog', (d) => {
      if (gen === this.generation) this.record(null, { kind: 'dialog', detail: `${d.type()}: ${clip(d.message(), 120)}` });
      d.dismiss().catch(() => {});
    });
    page.on('crash', () => { if (gen === this.generation) this.disrupted = 'renderer crashed'; });
    page.on('close', () => { if (gen === this.generation && this.phase !== 'closing') this.disrupted = 'page closed'; });
    page.on('websocket', (ws) => { if (gen === this.generation) this.record(null, { kind: 'websocket', url: ws.url() }); });

    const cdp = await context.newCDPSession(page);
    this.cdp = cdp;
    cdp.on('Runtime.executionContextCreated', (e) => {
      const aux = e.context.auxData || {};
      if (aux.frameId) this.ctxFrame.set(e.context.id, aux.frameId);
    });
    cdp.on('Page.frameAttached', (e) => this.frameParent.set(e.frameId, e.parentFrameId));
    cdp.on('Page.frameNavigated', (e) => { if (gen === this.generation) this.onFrameNavigated(e.frame); });
    cdp.on('Debugger.scriptParsed', (e) => { if (gen === this.generation) this.onScript(e); });
    cdp.on('Runtime.bindingCalled', (e) => { if (gen === this.generation && e.name === '__xss') this.onBinding(e); });
    await cdp.send('Page.enable');
    await cdp.send('Runtime.enable');
    await cdp.send('Debugger.enable');
    await cdp.send('Debugger.setSkipAllPauses', { skip: true }); // a payload's `debugger;` must not hang us
    await cdp.send('Runtime.addBinding', { name: '__xss' });
    await cdp.send('Page.addScriptToEvaluateOnNewDocument', { source: INIT_SCRIPT });

    await page.goto(this.harnessUrl, { waitUntil: 'load', timeout: 20000 });
    this.loading = false;
    const tree = await cdp.send('Page.getFrameTree');
    this.mainFrameId = tree.frameTree.frame.id;
    const ok = await page.evaluate(() => typeof window.__H === 'object');
    if (!ok) throw new Error('harness page did not initialise');
    await this.addSlots(2 * this.opts.batchSize);
    this.phase = 'idle';
  }

  async close() {
    this.phase = 'closing';
    const ctx = this.context;
    this.context = null;
    if (ctx) await withTimeout(ctx.close(), 10000, 'context.close').catch(() => {});
  }

  async reopen() {
    await this.close();
    await this.open();
  }

  // Create n fresh frames in the harness page.
  async addSlots(n) {
    if (n <= 0) return;
    const names = [];
    for (let i = 0; i < n; i++) names.push(`xss-slot-${this.id}-${this.generation}-${this.slotCounter++}`);
    const prev = this.phase;
    this.phase = 'setup';
    const ok = await this.page.evaluate((ns) => window.__H.ensure(ns), names);
    if (ok !== names.length) throw new Error(`only ${ok}/${names.length} frames created`);
    const tree = await this.cdp.send('Page.getFrameTree'); // also flushes the frames' setup events
    const want = new Set(names);
    for (const c of tree.frameTree.childFrames || []) {
      if (!want.has(c.frame.name)) continue;
      const slot = { name: c.frame.name, frameId: c.frame.id, key: null, dirty: false };
      this.frameParent.set(c.frame.id, c.frame.parentId);
      this.slots.push(slot);
      this.slotByName.set(slot.name, slot);
      this.slotByFrameId.set(slot.frameId, slot);
    }
    this.phase = prev;
  }

  async dropSlots(list) {
    if (!list.length) return;
    await this.page.evaluate((ns) => window.__H.drop(ns), list.map((s) => s.name));
    for (const s of list) {
      this.slotByName.delete(s.name);
      this.slotByFrameId.delete(s.frameId);
    }
    const gone = new Set(list);
    this.slots = this.slots.filter((s) => !gone.has(s));
  }

  // --- attribution
  slotOfCdpFrame(frameId) {
    let f = frameId;
    for (let i = 0; f && i < 50; i++) {
      const s = this.slotByFrameId.get(f);
      if (s) return s;
      f = this.frameParent.get(f);
    }
    return null;
  }

  slotOfPwFrame(frame) {
    let f = frame;
    for (let i = 0; f && i < 50; i++) {
      let n = '';
      try { n = f.name(); } catch (e) { /* ignore */ }
      const s = this.slotByName.get(n);
      if (s) return s;
      try { f = f.parentFrame(); } catch (e) { f = null; }
    }
    return null;
  }

  record(slot, ev) {
    // A frame in which anything happened is never reused: it could carry state over
    // (timers, or the document's resource cache would hide a repeated request).
    if (slot) slot.dirty = true;
    this.sink.event(slot ? slot.key : null, ev, this);
  }

  onScript(e) {
    const aux = e.executionContextAuxData || {};
    if (aux.type && aux.type !== 'default') return; // Playwright's isolated utility worlds
    if (e.url === INIT_MARKER || e.url === PAGE_MARKER) return;
    const frameId = aux.frameId || this.ctxFrame.get(e.executionContextId);
    if (this.phase === 'open') return;
    if (this.phase === 'setup' && frameId && !this.slotByFrameId.has(frameId) &&
        this.frameParent.get(frameId) === this.mainFrameId) {
      // a brand-new, still empty slot frame: whatever compiles here is plumbing
      this.infraHashes.add(e.hash);
      return;
    }
    if (this.infraHashes.has(e.hash)) return;
    if (!frameId || frameId === this.mainFrameId) {
      // Playwright's own evaluations in the top frame have an empty URL; anything
      // else compiled in the top frame (e.g. a handler injected via top.document)
      // came from a payload.
      if (e.url === '' || !frameId) return;
      this.record(null, { kind: 'script', url: clip(e.url, 120), scriptId: e.scriptId, length: e.length });
      return;
    }
    this.record(this.slotOfCdpFrame(frameId), { kind: 'script', url: clip(e.url, 120), scriptId: e.scriptId, length: e.length });
  }

  onBinding(e) {
    let p = {};
    try { p = JSON.parse(e.payload); } catch (err) { p = { kind: 'alert', detail: String(e.payload) }; }
    const frameId = this.ctxFrame.get(e.executionContextId);
    const kind = EXEC_KINDS.has(p.kind) ? p.kind : 'alert';
    const slot = frameId && frameId !== this.mainFrameId ? this.slotOfCdpFrame(frameId) : null;
    this.record(slot, { kind, detail: String(p.detail || '') });
  }

  onFrameNavigated(frame) {
    if (frame.id === this.mainFrameId || !frame.parentId) {
      if (!this.loading && frame.id === this.mainFrameId) this.disrupted = `top frame navigated to ${clip(frame.url, 120)}`;
      return;
    }
    this.frameParent.set(frame.id, frame.parentId);
    const url = frame.url || '';
    if (url.startsWith('about:')) return; // about:blank / about:srcdoc documents are local
    this.record(this.slotOfCdpFrame(frame.id), { kind: 'navigation', url: clip(url, 200) });
  }

  async onRoute(route, gen) {
    const req = route.request();
    const url = req.url();
    let isNav = false;
    try { isNav = req.isNavigationRequest(); } catch (e) { /* ignore */ }
    let frame = null;
    try { frame = req.frame(); } catch (e) { /* service worker etc. */ }
    if (gen === this.generation && this.loading && url === this.harnessUrl && frame && frame === this.page?.mainFrame()) {
      return route.continue().catch(() => {});
    }
    if (gen === this.generation) {
      this.record(frame ? this.slotOfPwFrame(frame) : null,
        { kind: 'request', type: req.resourceType(), method: req.method(), url: clip(url, 200), nav: isNav });
    }
    if (isNav) return route.fulfill({ status: 204, body: '' }).catch(() => {}); // frame stays put
    return route.abort('blockedbyclient').catch(() => {});
  }

  // --- one batch of units; returns {unattributed, disrupted, links}
  async runBatch(units) {
    const items = [];
    for (const u of units) for (const mode of MODES) items.push({ key: this.sink.keyFor(u, mode), mode, html: u.html });
    const batch = { unattributed: [], disrupted: null, links: {}, errors: {} };
    const budget = 8000 + 400 * units.length + this.opts.settleMs + 3 * this.opts.waitMs; // a hung renderer ends here
    const prof = process.env.XSS_PROFILE ? [Date.now()] : null;
    const mark = () => prof && prof.push(Date.now());
    try {
      await withTimeout((async () => {
        const stale = this.slots.filter((s) => s.dirty); // late activity since the last batch
        if (stale.length) { this.phase = 'setup'; await this.dropSlots(stale); }
        if (this.slots.length < items.length) await this.addSlots(items.length - this.slots.length);
        mark();
        const used = this.slots.slice(0, items.length);
        used.forEach((s, i) => { s.key = items[i].key; });
        this.batch = batch;
        this.phase = 'render';
        const renderItems = items.map((it, i) => ({ slot: used[i].name, mode: it.mode, html: it.html }));
        const names = used.map((s) => s.name);
        batch.errors = await this.page.evaluate((it) => window.__H.render(it), renderItems);
        mark();
        // Let parsing and loading finish (a blocked <script src> holds up the rest of
        // the document) before poking, so every element exists when events are fired.
        const settleUntil = Date.now() + this.opts.settleMs;
        await sleep(10);
        while (Date.now() < settleUntil && await this.page.evaluate((ns) => window.__H.loading(ns), names)) await sleep(10);
        const links = await this.page.evaluate((ns) => window.__H.poke(ns), names);
        mark();
        for (const s of used) batch.links[s.key] = links[s.name] || [];
        await sleep(this.opts.waitMs);
        await this.cdp.send('Page.getFrameTree'); // flush CDP events
        await sleep(5);
        mark();
        this.phase = 'teardown';
        const { alive, bad } = await this.page.evaluate((ns) => window.__H.reset(ns), names);
        await this.cdp.send('Page.getFrameTree');
        this.batch = null;
        for (const s of used) s.key = null;
        if (!alive) throw new Error('harness page was modified by a payload');
        const badSet = new Set(bad);
        const replace = used.filter((s) => s.dirty || badSet.has(s.name));
        if (replace.length) {
          this.phase = 'setup';
          await this.dropSlots(replace);
          await this.addSlots(replace.length);
        }
        mark();
        if (prof) console.error(`[w${this.id}] batch ${units.length}: ${prof.slice(1).map((t, i) => t - prof[i]).join(' ')} ms (slots render poke wait reset+replace ${replace.length}, bad ${bad.length})`);
      })(), budget, 'batch');
    } catch (e) {
      batch.disrupted = String(e && e.message || e).split('\n')[0];
    }
    if (this.disrupted && !batch.disrupted) batch.disrupted = this.disrupted;
    this.batch = null;
    this.phase = 'idle';
    return batch;
  }
}

// ---------------------------------------------------------------- run
class Results {
  constructor(units, opts) {
    this.opts = opts;
    this.units = units;
    this.keyInfo = new Map();
    for (const u of units) {
      u.events = [];
      u.counts = { exec: 0, requests: 0, linkNav: 0, navigations: 0, disrupted: 0 };
      u.linkHrefs = new Set();
      for (const m of MODES) this.keyInfo.set(this.keyFor(u, m), { unit: u, mode: m });
    }
  }
  keyFor(u, mode) { return `xss-u${u.id}-${mode}`; }
  isKey(k) { return this.keyInfo.has(k); }
  event(key, ev, worker) {
    const info = key ? this.keyInfo.get(key) : null;
    if (!info) {
      if (worker.batch) worker.batch.unattributed.push(ev);
      else (this.stray ||= []).push(ev);
      return;
    }
    this.add(info.unit, { ...ev, mode: info.mode }, worker);
  }
  add(u, ev, worker) {
    if (EXEC_KINDS.has(ev.kind)) u.counts.exec++;
    else if (REQUEST_KINDS.has(ev.kind)) u.counts.requests++;
    else if (NAV_KINDS.has(ev.kind)) u.counts.navigations++;
    else if (ev.kind === 'disrupted') u.counts.disrupted++;
    if (u.events.length < MAX_EVENTS_KEPT) {
      u.events.push(ev);
      if (ev.kind === 'script' && ev.scriptId && worker && worker.cdp) {
        // Fetch the compiled source for the report (best effort).
        const p = worker.cdp.send('Debugger.getScriptSource', { scriptId: ev.scriptId })
          .then((r) => { ev.source = clip(r.scriptSource || '', 200); })
          .catch(() => {});
        (this.pending ||= []).push(p);
      }
    }
  }
  finalizeLinks(u, links) {
    for (const m of MODES) for (const h of links[this.keyFor(u, m)] || []) u.linkHrefs.add(stripHash(h));
  }
  classify(u) {
    let linkNav = 0;
    for (const ev of u.events) {
      if (ev.kind === 'request' && ev.nav && u.linkHrefs.has(stripHash(ev.url))) { ev.linkNavigation = true; linkNav++; }
    }
    // events beyond MAX_EVENTS_KEPT are not inspected for linkNavigation; they stay counted as requests
    u.counts.linkNav = linkNav;
    const reqs = this.opts.allowLinkNavigation ? u.counts.requests - linkNav : u.counts.requests;
    u.executed = u.counts.exec > 0;
    u.failed = u.counts.exec > 0 || reqs > 0 || u.counts.navigations > 0 || u.counts.disrupted > 0;
  }
}

async function runUnits(units, opts, log) {
  const exe = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!fs.existsSync(exe)) throw new Error(`Chromium not found at ${exe} (set CHROMIUM=...; Debian: apt-get install -y chromium)`);
  const token = crypto.randomBytes(8).toString('hex');
  const { server, url, unexpected } = await startServer(token);
  // Playwright passes a fresh temporary --user-data-dir itself (and deletes it on close);
  // it refuses a --user-data-dir in args for launch().
  const args = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    // keep every frame (sandboxed srcdoc, data: URLs, ...) in the page's renderer so the
    // page's CDP session sees all scripts
    '--disable-site-isolation-trials',
  ];
  let browser;
  try {
    browser = await chromium.launch({ executablePath: exe, headless: true, args, timeout: 60000 });
  } catch (e) {
    server.close();
    throw e;
  }
  const results = new Results(units, opts);
  const workers = [];
  const started = Date.now();
  const stats = { batches: 0, singles: 0, reopens: 0 };
  const unreproduced = [];
  try {
    for (let i = 0; i < opts.concurrency; i++) {
      const w = new Worker(i, browser, url, opts, results);
      await w.open();
      workers.push(w);
    }
    // sanitised outputs first, raw payloads last; never mixed in one batch
    const queue = [];
    const groups = new Map();
    for (const u of units) {
      const g = u.variant === 'raw' ? 'raw' : 'out';
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g).push(u);
    }
    for (const g of ['out', 'raw']) {
      const list = groups.get(g) || [];
      for (let i = 0; i < list.length; i += opts.batchSize) queue.push(list.slice(i, i + opts.batchSize));
    }
    const totalBatches = queue.length;
    let done = 0;
    const runOne = async (w, batchUnits) => {
      stats.batches++;
      const b = await w.runBatch(batchUnits);
      for (const u of batchUnits) results.finalizeLinks(u, b.links);
      if (!b.disrupted && !b.unattributed.length) return;
      if (batchUnits.length === 1) {
        const u = batchUnits[0];
        for (const ev of b.unattributed) results.add(u, { ...ev, mode: 'top/other' }, w);
        if (b.disrupted) {
          results.add(u, { kind: 'disrupted', detail: b.disrupted, mode: '?' }, w);
          await w.reopen(); stats.reopens++;
        }
        return;
      }
      if (opts.verbose) log(`  [worker ${w.id}] batch of ${batchUnits.length} had ${b.unattributed.length} unattributed event(s)${b.disrupted ? `, disrupted: ${b.disrupted}` : ''}; re-running one by one`);
      if (b.disrupted) { await w.reopen(); stats.reopens++; } else { await sleep(50); }
      const before = batchUnits.map((u) => u.events.length);
      for (const u of batchUnits) { stats.singles++; await runOne(w, [u]); }
      // A sanitised batch whose unattributed events did not show up again one by one:
      // keep them as a failure rather than lose them.
      if (batchUnits[0].variant !== 'raw' && batchUnits.every((u, i) => u.events.length === before[i])) {
        unreproduced.push({ sources: batchUnits.map((u) => `${u.source} [${u.variant}]`), events: b.unattributed, disrupted: b.disrupted });
      }
    };
    await Promise.all(workers.map(async (w) => {
      while (queue.length) {
        const batchUnits = queue.shift();
        await runOne(w, batchUnits);
        done++;
        if (opts.verbose || done % 20 === 0 || done === totalBatches) {
          log(`  [worker ${w.id}] ${done}/${totalBatches} batches, ${((Date.now() - started) / 1000).toFixed(1)} s`);
        }
      }
    }));
    await sleep(50);
    await Promise.all(results.pending || []);
  } finally {
    for (const w of workers) await w.close();
    await browser.close().catch(() => {});
    server.close();
  }
  for (const u of units) results.classify(u);
  return { units, unexpected, unreproduced, stray: results.stray || [], stats, seconds: (Date.now() - started) / 1000, browserVersion: browser.version() };
}

// ---------------------------------------------------------------- reporting
function summarize(units, variants, opts) {
  const s = {};
  for (const v of variants) {
    const us = units.filter((u) => u.variant === v);
    s[v] = {
      units: us.length,
      executed: us.filter((u) => u.executed).length,
      execEvents: us.reduce((a, u) => a + u.counts.exec, 0),
      withRequests: us.filter((u) => u.counts.requests > 0).length,
      requests: us.reduce((a, u) => a + u.counts.requests, 0),
      linkNavigations: us.reduce((a, u) => a + u.counts.linkNav, 0),
      navigations: us.reduce((a, u) => a + u.counts.navigations, 0),
      disrupted: us.filter((u) => u.counts.disrupted > 0).length,
      failed: us.filter((u) => u.failed).length,
    };
  }
  return s;
}

function summaryLine(s, variants) {
  return variants.map((v) => {
    const x = s[v];
    if (v === 'raw') {
      return `raw: ${x.executed}/${x.units} executed, ${x.requests} attempted requests` +
        (x.navigations ? `, ${x.navigations} navigations` : '') + (x.disrupted ? `, ${x.disrupted} disrupted the harness` : '');
    }
    let t = `${v}: ${x.executed} executed, ${x.requests} requests`;
    if (x.linkNavigations) t += ` (${x.linkNavigations} link-click navigations)`;
    if (x.navigations) t += `, ${x.navigations} navigations`;
    if (x.disrupted) t += `, ${x.disrupted} disrupted`;
    return t;
  }).join('; ');
}

function describeEvent(ev) {
  const bits = [`[${ev.mode}] ${ev.kind}`];
  if (ev.type) bits.push(ev.type);
  if (ev.method && ev.method !== 'GET') bits.push(ev.method);
  if (ev.url) bits.push(ev.url);
  if (ev.nav) bits.push(ev.linkNavigation ? '(navigation via link click)' : '(navigation)');
  if (ev.detail) bits.push(JSON.stringify(ev.detail));
  if (ev.source) bits.push(`source=${JSON.stringify(ev.source)}`);
  return bits.join(' ');
}

function printFailures(units, opts, log) {
  const failed = units.filter((u) => u.variant !== 'raw' && u.failed);
  failed.slice(0, opts.maxFailuresShown).forEach((u) => {
    log(`FAIL ${u.source} [${u.variant}]`);
    log(`  output: ${JSON.stringify(clip(u.html, 400))}`);
    log(`  counts: ${u.counts.exec} executions, ${u.counts.requests} requests (${u.counts.linkNav} link-click navigations), ${u.counts.navigations} navigations, ${u.counts.disrupted} disruptions`);
    for (const ev of u.events.slice(0, 8)) log(`  - ${describeEvent(ev)}`);
    if (u.events.length > 8) log(`  - ... ${u.events.length - 8} more event(s) in the report`);
  });
  if (failed.length > opts.maxFailuresShown) log(`... ${failed.length - opts.maxFailuresShown} more failing outputs (see --report)`);
  return failed.length;
}

function writeReport(path, data) {
  fs.writeFileSync(path, JSON.stringify(data, null, 1));
}

function unitReport(u) {
  return {
    source: u.source, variant: u.variant, html: u.html, executed: u.executed, failed: u.failed,
    counts: u.counts, events: u.events.map(({ scriptId, ...rest }) => rest),
    ...(u.expect ? { expect: u.expect, selfTestOk: u.selfTestOk } : {}),
  };
}

// ---------------------------------------------------------------- input / self-test
function loadInput(path, opts) {
  const data = JSON.parse(fs.readFileSync(path, 'utf8'));
  if (!Array.isArray(data)) throw new Error('input must be a JSON array');
  const cases = opts.limit ? data.slice(0, opts.limit) : data;
  const units = [];
  const variants = ['raw'];
  let id = 0;
  cases.forEach((c, i) => {
    if (!c || typeof c !== 'object' || typeof c.raw !== 'string' || !c.outputs || typeof c.outputs !== 'object') {
      throw new Error(`input[${i}] must be {source, raw: string, outputs: {variant: string}}`);
    }
    const source = typeof c.source === 'string' ? c.source : `input#${i}`;
    units.push({ id: id++, source, variant: 'raw', html: c.raw });
    for (const [v, html] of Object.entries(c.outputs)) {
      if (v === 'raw') throw new Error(`input[${i}]: output variant may not be called "raw"`);
      if (typeof html !== 'string') throw new Error(`input[${i}].outputs.${v} must be a string`);
      if (!variants.includes(v)) variants.push(v);
      units.push({ id: id++, source, variant: v, html });
    }
  });
  return { units, variants, cases: cases.length };
}

function selfTestUnits() {
  const T = [
    // must execute
    { name: 'img onerror', html: '<img src=x onerror=alert(1)>', expect: { exec: ['inner', 'write'] } },
    { name: 'svg onload', html: '<svg onload=alert(1)>', expect: { exec: ['inner', 'write'] } },
    { name: 'javascript: link clicked', html: '<a href="javascript:alert(1)">x</a>', expect: { exec: ['inner', 'write'] } },
    { name: 'iframe src=javascript:', html: '<iframe src="javascript:alert(1)"></iframe>', expect: { exec: ['inner', 'write'] } },
    { name: 'script in full document', html: '<!doctype html><html><head><script>alert(1)</script></head><body>x</body></html>', expect: { exec: ['write'], noExec: ['inner'] } },
    { name: 'script that never calls alert (scriptParsed only)', html: '<html><body><script>var x = 1 + 1;</script></body></html>', expect: { exec: ['write'] } },
    { name: 'handler that never calls alert, fired by mouseover', html: '<b onmouseover="void 0">x</b>', expect: { exec: ['inner', 'write'] } },
    { name: 'top.alert from a handler (attribution via re-run)', html: '<img src=x onerror="top.alert(1)">', expect: { exec: ['top/other'] } },
    { name: 'sandboxed srcdoc iframe', html: '<iframe sandbox="allow-scripts" srcdoc="<script>alert(1)</script>"></iframe>', expect: { exec: ['write'] } },
    { name: 'data: URL iframe', html: '<iframe src="data:text/html,<script>alert(1)</script>"></iframe>', expect: { exec: ['inner', 'write'], nav: true } },
    { name: 'form action=javascript: submitted by click', html: '<form action="javascript:alert(1)"><input type=submit value=go></form>', expect: { exec: ['inner', 'write'] } },
    { name: 'details ontoggle', html: '<details open ontoggle=alert(1)><summary>s</summary></details>', expect: { exec: ['inner', 'write'] } },
    { name: 'debugger statement does not hang', html: '<img src=x onerror="debugger;alert(1)">', expect: { exec: ['inner', 'write'] } },
    // must request but not execute
    { name: 'remote image', html: '<img src="https://example.com/pixel.png">', expect: { noExecAll: true, requests: true } },
    { name: 'CSS url()', html: '<div style="width:10px;height:10px;background:url(https://example.com/bg.png)">x</div>', expect: { noExecAll: true, requests: true } },
    { name: 'link prefetch', html: '<link rel=prefetch href="https://example.com/p">', expect: { noExecAll: true, requests: true } },
    { name: 'http link clicked', html: '<a href="https://example.com/next">next</a>', expect: { noExecAll: true, requests: true, linkNav: true } },
    // must stay silent
    { name: 'safe markup', html: '<p>Hello <b>world</b>, <i>fine</i> <a href="#top">top</a> <a>anchor</a></p><ul><li>one</li></ul>', expect: { noExecAll: true, quiet: true } },
    { name: 'escaped payload', html: '&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(1)&lt;/script&gt;', expect: { noExecAll: true, quiet: true } },
  ];
  return T.map((t, i) => ({ id: i, source: `self-test#${i} ${t.name}`, variant: 'raw', html: t.html, expect: t.expect }));
}

function checkSelfTest(u) {
  const e = u.expect;
  const execModes = new Set(u.events.filter((ev) => EXEC_KINDS.has(ev.kind)).map((ev) => ev.mode));
  const problems = [];
  for (const m of e.exec || []) if (!execModes.has(m)) problems.push(`no execution detected in mode ${m}`);
  for (const m of e.noExec || []) if (execModes.has(m)) problems.push(`unexpected execution in mode ${m}`);
  if (e.noExecAll && u.counts.exec) problems.push(`unexpected execution (${u.counts.exec})`);
  if (e.requests && !u.counts.requests) problems.push('no request detected');
  if (e.nav && !u.counts.navigations) problems.push('no navigation detected');
  if (e.linkNav && !u.counts.linkNav) problems.push('link-click navigation not recognised');
  if (e.quiet && (u.counts.requests || u.counts.navigations || u.counts.disrupted)) problems.push('unexpected request/navigation/disruption');
  u.selfTestOk = problems.length === 0;
  return problems;
}

// ---------------------------------------------------------------- main
async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(String(e.message || e));
    console.error(USAGE);
    return 3;
  }
  if (opts.help) { console.log(USAGE); return 0; }
  const log = (s) => console.log(s);

  if (opts.selfTest) {
    const units = selfTestUnits();
    log(`xss-harness self-test: ${units.length} payloads, wait ${opts.waitMs} ms`);
    const run = await runUnits(units, opts, log);
    let bad = 0;
    for (const u of units) {
      const problems = checkSelfTest(u);
      const what = `${u.counts.exec} exec [${[...new Set(u.events.filter((ev) => EXEC_KINDS.has(ev.kind)).map((ev) => ev.mode))].join(',')}], ${u.counts.requests} req, ${u.counts.navigations} nav`;
      if (problems.length) {
        bad++;
        log(`SELF-TEST FAIL ${u.source}: ${problems.join('; ')} (${what})`);
        for (const ev of u.events.slice(0, 6)) log(`  - ${describeEvent(ev)}`);
      } else {
        log(`ok   ${u.source} (${what})`);
      }
    }
    if (run.unexpected.length) { bad++; log(`SELF-TEST FAIL: local server saw un-intercepted requests: ${run.unexpected.join(', ')}`); }
    log(`self-test: ${units.length - bad} passed, ${bad} failed (${run.seconds.toFixed(1)} s, Chromium ${run.browserVersion})`);
    if (opts.report) writeReport(opts.report, { mode: 'self-test', seconds: run.seconds, units: units.map(unitReport) });
    return bad ? 1 : 0;
  }

  if (!opts.input) { console.error(USAGE); return 3; }
  let input;
  try {
    input = loadInput(opts.input, opts);
  } catch (e) {
    console.error(`cannot read input ${opts.input}: ${e.message || e}`);
    return 3;
  }
  const { units, variants } = input;
  log(`xss-harness: ${input.cases} cases x ${variants.length} variants (${variants.join(', ')}) = ${units.length} renders x ${MODES.length} modes; wait ${opts.waitMs} ms, batch ${opts.batchSize}, concurrency ${opts.concurrency}`);
  const run = await runUnits(units, opts, log);
  const s = summarize(units, variants, opts);
  const failedCount = printFailures(units, opts, log);
  let infraFailure = false;
  if (run.unexpected.length) {
    log(`FAIL: the local server received requests that bypassed interception: ${run.unexpected.slice(0, 10).join(', ')}`);
    infraFailure = true;
  }
  for (const x of run.unreproduced) {
    log(`FAIL: a batch of sanitised outputs caused events that could not be pinned on one output: ${x.sources.join(', ')}`);
    if (x.disrupted) log(`  - disrupted: ${x.disrupted}`);
    for (const ev of x.events.slice(0, 8)) log(`  - ${describeEvent({ ...ev, mode: 'batch' })}`);
    infraFailure = true;
  }
  if (opts.verbose) {
    for (const u of units.filter((x) => x.variant === 'raw')) {
      log(`raw ${u.executed ? 'EXECUTED' : 'inert   '} ${u.source} (${u.counts.exec} exec, ${u.counts.requests} req)`);
    }
  }
  const sanitisedEvents = run.stray.length;
  log(summaryLine(s, variants));
  log(`runtime ${run.seconds.toFixed(1)} s (${run.stats.batches} batches, ${run.stats.singles} single re-runs, Chromium ${run.browserVersion})` +
    (sanitisedEvents ? `; ${sanitisedEvents} late event(s) outside any batch` : ''));
  if (opts.report) {
    writeReport(opts.report, {
      input: opts.input, options: { waitMs: opts.waitMs, batchSize: opts.batchSize, concurrency: opts.concurrency, allowLinkNavigation: opts.allowLinkNavigation },
      browser: run.browserVersion, seconds: run.seconds, stats: run.stats, summary: s, summaryLine: summaryLine(s, variants),
      unexpectedServerHits: run.unexpected, unreproducedBatchEvents: run.unreproduced, strayEvents: run.stray, units: units.map(unitReport),
    });
    log(`report written to ${opts.report}`);
  }
  if (failedCount || infraFailure) {
    log(`RESULT: FAIL (${failedCount} sanitised output(s) not inert)`);
    return 1;
  }
  if (s.raw.executed === 0) {
    log('RESULT: BLIND (no raw payload executed: the harness cannot detect execution)');
    return 2;
  }
  log('RESULT: PASS');
  return 0;
}

// Exit explicitly: a stuck browser or socket must not keep the process alive.
main().then((code) => process.exit(code), (e) => {
  console.error(`xss-harness internal error: ${e && e.stack || e}`);
  process.exit(3);
});
