// What the browser tests share: the environment tests/browser/run sets, the
// PASS/FAIL line protocol of scripts/test, sekisho's CLI, and page helpers.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export const env = process.env;
export const BIN = env.BROWSER_SEKISHO;
export const BASE = env.BROWSER_BASE_URL;
export const OUT = env.BROWSER_OUT;
export const TMP = env.BROWSER_TMP;
export const CHROMIUM = env.CHROMIUM || '/usr/bin/chromium';
export const TIMEOUT = 30_000;
export const NAV_TIMEOUT = 60_000;
// Debian's chromium as root, with nothing that calls out to the network.
export const CHROMIUM_ARGS = [
	'--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function check(cond, what) {
	if (!cond)
		throw new Error(what);
}

// PASS/FAIL lines named prefix + test name.  step() runs one test of a walk;
// once one has failed, the later ones (which need its state) are reported as
// not run.
export function reporter(prefix) {
	let failures = 0;
	const pass = (name) => console.log(`PASS ${prefix}${name}`);
	const fail = (name, why) => {
		failures++;
		const msg = String(why && why.message ? why.message : why).split('\n')[0];
		console.log(`FAIL ${prefix}${name}: ${msg}`);
	};
	const step = async (state, name, fn) => {
		if (state.broken) {
			fail(name, `not run: ${state.broken} failed`);
			return;
		}
		try {
			await fn();
			pass(name);
		} catch (e) {
			state.broken = name;
			fail(name, e);
		}
	};
	return { pass, fail, step, failures: () => failures };
}

// `sekisho invite slug email [--role role]`; returns the URL on the last line.
export function invite(slug, email, role) {
	const args = ['invite', slug, email].concat(role ? ['--role', role] : []);
	let out;
	try {
		out = execFileSync(BIN, args, {
			env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000,
		});
	} catch (e) {
		const err = String(e.stderr || '').trim().split('\n').pop();
		throw new Error(`sekisho ${args.join(' ')} failed (${e.status ?? e.signal}): ${err}`);
	}
	const lines = out.trim().split('\n');
	const url = lines[lines.length - 1].trim();
	if (!url.startsWith(`${BASE}/t/${slug}/invite/`))
		throw new Error(`unexpected invitation URL line: ${url}`);
	return url;
}

// Click selector and wait for the page it leads to (following redirects);
// returns the final document's response.
export async function submit(page, selector) {
	const [resp] = await Promise.all([
		page.waitForNavigation({ waitUntil: 'load', timeout: NAV_TIMEOUT }),
		page.locator(selector).first().click(),
	]);
	check(resp, `no response after clicking ${selector}`);
	return resp;
}

export async function text(page, selector) {
	return (await page.locator(selector).first().innerText({ timeout: TIMEOUT })).trim();
}

export async function shot(page, file) {
	await page.screenshot({ path: path.join(OUT, file), fullPage: true });
}

// Stop with one FAIL line named prefix + "setup" when tests/browser/run did
// not set what a script needs (vars: name shown -> value); make OUT.
export function requireEnv(prefix, vars) {
	for (const [k, v] of Object.entries(vars)) {
		if (!v) {
			console.log(`FAIL ${prefix}setup: ${k} is not set (start this through tests/browser/run)`);
			process.exit(1);
		}
	}
	mkdirSync(OUT, { recursive: true });
}


// GET url in page; check the final status (after redirects).
export async function goto(page, url, status = 200) {
	const resp = await page.goto(url, { waitUntil: 'load' });
	check(resp, `no response for ${url}`);
	check(resp.status() === status, `GET ${url}: status ${resp.status()}, expected ${status}`);
	return resp;
}

// Collect into problems what should never happen on a page: console errors
// (a CSP violation shows up there), script errors and failed sub-resources.
// Sets the page's timeouts too.
export function watch(page, problems) {
	page.setDefaultTimeout(TIMEOUT);
	page.setDefaultNavigationTimeout(NAV_TIMEOUT);
	page.on('console', (m) => {
		// Chromium logs every 4xx document as "Failed to load resource";
		// those statuses are asserted by the tests, sub-resources below.
		if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
			problems.push(`console: ${m.text()}`);
	});
	page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
	page.on('response', (r) => {
		const u = new URL(r.url());
		if (r.status() >= 400 && r.request().resourceType() !== 'document' &&
		    u.pathname !== '/favicon.ico')
			problems.push(`${r.status()} for ${u.pathname}`);
	});
}

// Accept the invitation at url in page with a display name and password;
// returns the response of the page the form led to.
export async function accept(page, url, name, password) {
	await goto(page, url);
	await page.fill('#name', name);
	await page.fill('#password', password);
	await page.fill('#password2', password);
	return submit(page, '#submit');
}

// GET an API path of tenant slug with page's cookies (an administrator's
// session needs no CSRF token to read); the parsed JSON.
export async function apiGet(page, slug, what) {
	const url = `${BASE}/t/${slug}/api/v1/${what}`;
	const r = await page.request.get(url, { timeout: TIMEOUT });
	check(r.status() === 200, `GET ${url}: status ${r.status()}`);
	check((r.headers()['content-type'] || '').startsWith('application/json'),
	      `GET ${url}: content type ${r.headers()['content-type']}`);
	return r.json();
}

// The user with this address as GET /api/v1/users lists it (or undefined).
export async function apiUser(page, slug, email) {
	const users = await apiGet(page, slug, 'users');
	check(Array.isArray(users), `GET users: not a list: ${JSON.stringify(users).slice(0, 100)}`);
	return users.find((u) => u.email === email);
}

// What is wrong with the layout of the page as shown now, as a list of
// sentences (empty when nothing is).  Hidden elements, and what is inside a
// closed <details>, are skipped.
//  - The page is wider than the viewport (documentElement.scrollWidth).
//  - An element's box (getBoundingClientRect), or the line boxes of a text
//    (a Range over the text node: text can stick out of a box that fits),
//    reach past the viewport's left or right edge.  What is inside an
//    element that scrolls or clips horizontally (overflow-x other than
//    visible) is measured by that element instead: a table may scroll
//    inside its wrapper without the page doing so.
//  - Text is drawn across the edge of its cell, card or box (the nearest
//    td, th, dt, dd, li, label, p, heading, button, badge, card or message
//    box around it).
//  - A word is broken across two lines inside a table cell, heading, tab,
//    button, badge, label or description: each text node is cut into words
//    with Intl.Segmenter in the page's language (so Japanese words such as
//    ユーザー count as one, and 127.0.0.1 is one word), and a word whose
//    range has line boxes one below the other (not merely at slightly
//    different heights, as fallback fonts give) was broken.  The two parts
//    of an e-mail address ("local@" and the domain) count as words: the
//    console lets an address wrap after its "@" only.  The message shows
//    where the line ends with "|".  In Japanese a break after a particle
//    (と, の, を, が, ...) and before a kanji or katakana is a phrase
//    boundary, not a broken word, even where ICU's dictionary joins them
//    ("と同時に").
// Each element is named by tag, id or classes, its text and the nearest
// ancestor with an id.
export async function layoutProblems(page) {
	return page.evaluate(() => {
		const out = [];
		const vw = document.documentElement.clientWidth;
		const label = (el) => {
			let s = el.tagName.toLowerCase();
			if (el.id)
				s += `#${el.id}`;
			else if (el.className && typeof el.className === 'string' && el.className.trim())
				s += `.${el.className.trim().split(/\s+/).join('.')}`;
			return s;
		};
		const name = (el) => {
			let s = label(el);
			const t = (el.textContent || '').trim().replace(/\s+/g, ' ');
			if (t)
				s += ` "${t.length > 50 ? t.slice(0, 50) + '…' : t}"`;
			const home = el.parentElement && el.parentElement.closest('[id]');
			if (home && !el.id)
				s += ` in ${label(home)}`;
			return s;
		};
		const shown = (el) => {
			for (let e = el; e && e !== document.body; e = e.parentElement) {
				const cs = getComputedStyle(e);
				if (cs.display === 'none' || cs.visibility === 'hidden')
					return false;
				if (e.parentElement && e.parentElement.tagName === 'DETAILS' &&
				    !e.parentElement.open && e.tagName !== 'SUMMARY')
					return false;
			}
			return true;
		};
		// Inside an ancestor (below body) that scrolls or clips horizontally.
		const contained = (el) => {
			for (let e = el.parentElement; e && e !== document.body; e = e.parentElement)
				if (getComputedStyle(e).overflowX !== 'visible')
					return true;
			return false;
		};
		const outside = (r) => r.right > vw + 1 || r.left < -1;
		if (document.documentElement.scrollWidth > vw + 1)
			out.push(`the page is ${document.documentElement.scrollWidth} px wide in a ${vw} px viewport`);
		const over = new Set();
		const boxes = 'td, th, dt, dd, li, label, legend, h1, h2, h3, p, button, .button, .badge, ' +
			'.card, .error, .notice, .warning';
		for (const el of document.body.querySelectorAll('*')) {
			const r = el.getBoundingClientRect();
			if ((r.width === 0 && r.height === 0) || !shown(el) || contained(el))
				continue;
			if (outside(r)) {
				over.add(el);
				out.push(`${name(el)} spans ${Math.round(r.left)}..${Math.round(r.right)} px of ${vw}`);
			}
		}
		const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let n = texts.nextNode(); n; n = texts.nextNode()) {
			const el = n.parentElement;
			if (!n.data.trim() || !el || over.has(el) || !shown(el) || contained(el))
				continue;
			const range = document.createRange();
			range.selectNodeContents(n);
			const rects = [...range.getClientRects()].filter((q) => q.width > 0);
			const r = rects.find(outside);
			if (r) {
				out.push(`the text "${n.data.trim().slice(0, 50)}" of ${name(el)} spans ` +
				         `${Math.round(r.left)}..${Math.round(r.right)} px of ${vw}`);
				continue;
			}
			// Text drawn across the edge of its cell, card or box.
			const box = el.closest(boxes);
			if (!box)
				continue;
			const b = box.getBoundingClientRect();
			const s = rects.find((q) => q.right > b.right + 1 || q.left < b.left - 1);
			if (s)
				out.push(`the text "${n.data.trim().slice(0, 50)}" sticks out of ${name(box)} ` +
				         `(${Math.round(s.left)}..${Math.round(s.right)} px in a box at ` +
				         `${Math.round(b.left)}..${Math.round(b.right)})`);
		}
		// Where the line ends in the word at index i of text node n (an index
		// into word), or -1 when it is not found.
		const breakAt = (n, i, word) => {
			const box = (a, b) => {
				const q = document.createRange();
				q.setStart(n, a);
				q.setEnd(n, b);
				return [...q.getClientRects()].find((x) => x.width > 0);
			};
			const first = box(i, i + (word.codePointAt(0) > 0xffff ? 2 : 1));
			let at = 0;
			for (const ch of word) {
				const r = box(i + at, i + at + ch.length);
				if (at > 0 && first && r && r.top > first.top + first.height / 2)
					return at;
				at += ch.length;
			}
			return -1;
		};
		const lang = document.documentElement.lang || 'en';
		// Japanese: ICU's dictionary joins a particle to the word after it
		// ("と同時に"), where the browser's phrase breaking (word-break:
		// auto-phrase) rightly ends a line; a break after one of these
		// particles and before a kanji or katakana is a phrase boundary.
		const phraseBreak = (word, at) => lang.startsWith('ja') && at > 0 &&
			'とのをがにでへもはや'.includes(word[at - 1]) && /^[\p{Script=Han}\p{Script=Katakana}]/u.test(word.slice(at));
		// The two parts of each e-mail address in text node n, "local@" and
		// "domain", as [index, text]: the console lets an address wrap after
		// its "@" only.  A domain may start the node, after a <wbr> that
		// follows a node ending in "local@".
		const addressParts = (n) => {
			const parts = [];
			const ch = '[^\\s@<>()\u201c\u201d"\'\u3001\u3002\u300c\u300d]';
			const domain = (i, d) => {
				d = d.replace(/[.,;:?!]+$/, '');
				if (d)
					parts.push([i, d]);
			};
			for (const m of n.data.matchAll(new RegExp(`${ch}+@(${ch}*)`, 'g'))) {
				const at = m[0].indexOf('@');
				parts.push([m.index, m[0].slice(0, at + 1)]);
				domain(m.index + at + 1, m[1]);
			}
			const wbr = n.previousSibling, before = wbr && wbr.previousSibling;
			if (wbr && wbr.nodeName === 'WBR' && before && before.nodeType === Node.TEXT_NODE &&
			    before.data.endsWith('@')) {
				const m = n.data.match(new RegExp(`^${ch}+`));
				if (m)
					domain(0, m[0]);
			}
			return parts;
		};
		const seg = new Intl.Segmenter(lang, { granularity: 'word' });
		const where = 'td, th, nav a, button, .button, .badge, label, dt, dd, h1, h2, h3, legend, summary';
		const seen = new Set();
		for (const box of document.querySelectorAll(where)) {
			if (!shown(box))
				continue;
			const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
			for (let n = walker.nextNode(); n; n = walker.nextNode()) {
				if (seen.has(n) || !shown(n.parentElement))
					continue;
				seen.add(n);
				const units = [];
				for (const s of seg.segment(n.data))
					if (s.isWordLike && s.segment.length > 1)
						units.push([s.index, s.segment, '']);
				for (const [i, part] of addressParts(n))
					units.push([i, part, 'the address part ']);
				for (const [i, unit, what] of units) {
					const range = document.createRange();
					range.setStart(n, i);
					range.setEnd(n, i + unit.length);
					const rects = [...range.getClientRects()].filter((q) => q.width > 0)
						.sort((a, b) => a.top - b.top);
					// A later line box starts below the middle of the first.
					if (rects.length < 2 ||
					    rects[rects.length - 1].top <= rects[0].top + rects[0].height / 2)
						continue;
					const at = breakAt(n, i, unit);
					if (!what && phraseBreak(unit, at))
						continue;
					const shown = at > 0 ? `${unit.slice(0, at)}|${unit.slice(at)}` : unit;
					out.push(`${what}"${shown}" is broken across lines in ${name(n.parentElement)}`);
				}
			}
		}
		return out;
	});
}
