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
