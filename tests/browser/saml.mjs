// Browser test of SAML single sign-on with a real service provider: Debian's
// Apache 2 with mod_auth_mellon (started by tests/integration/mellon.py as a
// child process, with its own configuration in BROWSER_TMP) protects
// /protected/, a CGI page that prints what mellon accepted.  A user whose
// tenant requires a second factor enrols TOTP (codes from oathtool); then,
// in a fresh browser, visiting the SP's /protected/ leads through mellon's
// signed AuthnRequest to Sekisho's login page, the password and the code
// lead back through the auto-POST form to the SP, and the protected page
// shows the user's address, name and role.  Screenshots of the login page,
// the code page and the protected page.  Apache must stop cleanly.
//
// Started by tests/browser/run (environment as in flow.mjs, plus
// BROWSER_SAML_TENANT).  Prints `PASS browser.saml_<name>` lines.

import { chromium } from 'playwright-core';
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE, BIN, CHROMIUM, CHROMIUM_ARGS, NAV_TIMEOUT, OUT, TMP, check, env, goto, invite,
	reporter, requireEnv, shot, submit, text, watch } from './lib.mjs';

const SLUG = env.BROWSER_SAML_TENANT;
requireEnv('browser.saml_', { BROWSER_SEKISHO: BIN, BROWSER_BASE_URL: BASE,
	BROWSER_SAML_TENANT: SLUG, BROWSER_OUT: OUT, BROWSER_TMP: TMP });

const HELPER = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'integration',
	'mellon.py');
const EMAIL = 'aiko@saml.example';
const NAME = 'Aiko Tanaka';
const PASSWORD = 'Lantern-Orchard-4417';
const PREFIX = `${BASE}/t/${SLUG}`;
const { step, pass, fail, failures } = reporter('browser.saml_');

function run(cmd, args) {
	return execFileSync(cmd, args, { env, encoding: 'utf8', timeout: 60_000,
		stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function totp(secret, t) {
	return run('oathtool', ['--totp', '-b', secret, '-N', `@${Math.floor(t)}`]);
}

// The SP: mellon.py prints one JSON line once Apache listens, and one more
// ({"stopped": status, "left": [pids]}) after its stdin is closed.
async function startSp() {
	const proc = spawn(env.PYTHON || 'python3',
		[HELPER, '--idp', BASE, '--slug', SLUG, '--dir', TMP, '--name', 'wiki'],
		{ stdio: ['pipe', 'pipe', 'inherit'] });
	const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
	const exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
	const first = await lines.next();
	check(!first.done, 'mellon.py printed nothing');
	const info = JSON.parse(first.value);
	check(!info.error, `mellon.py: ${info.error}`);
	return { proc, lines, exited, info };
}

async function stopSp(sp) {
	sp.proc.stdin.end();
	const last = await sp.lines.next();
	const code = await sp.exited;
	check(!last.done, `mellon.py exited (${code}) without saying how Apache stopped`);
	const r = JSON.parse(last.value);
	check(r.stopped === 0, `Apache's exit status ${r.stopped}`);
	check(Array.isArray(r.left) && r.left.length === 0, `Apache processes left: ${r.left}`);
	check(code === 0, `mellon.py exit status ${code}`);
}

async function api(token, method, what, body, type) {
	return fetch(`${PREFIX}/api/v1/${what}`, {
		method,
		headers: { Authorization: `Bearer ${token}`, 'Content-Type': type },
		body,
	});
}

async function main() {
	const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
	const problems = [];
	const state = {};
	let sp = null;
	let secret;
	try {
		const opts = { locale: 'en-US', extraHTTPHeaders: { 'Accept-Language': 'en-US,en;q=0.9' },
			viewport: { width: 1024, height: 800 } };
		await step(state, 'sp_starts_and_is_registered', async () => {
			sp = await startSp();
			const out = run(BIN, ['token', 'create', SLUG, '--name', 'browser-saml']).split('\n');
			const token = out[out.length - 1].trim();
			let r = await api(token, 'POST', 'sps?name=Wiki', sp.info.metadata,
				'application/samlmetadata+xml');
			check(r.status === 201, `POST sps: status ${r.status} ${await r.text()}`);
			r = await api(token, 'PUT', 'policy', JSON.stringify({ mfa: { require: 'all' } }),
				'application/json');
			check(r.status === 200, `PUT policy: status ${r.status}`);
		});
		await step(state, 'user_enrols_totp', async () => {
			const ctx = await browser.newContext(opts);
			const page = await ctx.newPage();
			watch(page, problems);
			await goto(page, invite(SLUG, EMAIL));
			await page.fill('#name', NAME);
			await page.fill('#password', PASSWORD);
			await page.fill('#password2', PASSWORD);
			await submit(page, '#submit');
			check(page.url() === `${PREFIX}/mfa/totp`, `after acceptance at ${page.url()}`);
			secret = await page.inputValue('#secret');
			await page.fill('#code', totp(secret, Date.now() / 1000));
			await submit(page, '#submit');
			check(await page.locator('#recovery-codes li').count() === 10, 'no recovery codes');
			await ctx.close();
		});
		const ctx = await browser.newContext(opts);
		const page = await ctx.newPage();
		watch(page, problems);
		await step(state, 'protected_page_leads_to_the_sekisho_login', async () => {
			const resp = await page.goto(`${sp.info.base}/protected/`, { waitUntil: 'load' });
			const cookies = await ctx.cookies(sp.info.base);
			check(cookies.some((c) => c.name === 'mellon-wiki'),
			      `Chromium kept no mellon cookie-test cookie: ${cookies.map((c) => c.name)}`);
			check(resp, 'no response for /protected/');
			const chain = [];
			for (let q = resp.request(); q; q = q.redirectedFrom())
				chain.unshift(q.url());
			check(chain.some((u) => u.startsWith(`${PREFIX}/saml/sso?SAMLRequest=`)),
			      `no redirect to the SSO endpoint: ${chain.join(' -> ')}`);
			check(page.url().startsWith(`${PREFIX}/login?`) && resp.status() === 200,
			      `the SSO led to ${page.url().slice(0, 120)}... (status ${resp.status()})`);
			await shot(page, 'saml-1-login.png');
		});
		await step(state, 'password_then_code', async () => {
			await page.fill('#email', EMAIL);
			await page.fill('#password', PASSWORD);
			await submit(page, '#submit');
			check(page.url() === `${PREFIX}/login/mfa`, `after the password at ${page.url()}`);
			await shot(page, 'saml-2-code.png');
			// The step that confirmed enrolment is spent: use the next one.
			await page.fill('#code', totp(secret, Date.now() / 1000 + 30));
			await page.locator('#submit').first().click();
		});
		await step(state, 'saml_form_submits_itself', async () => {
			try {
				await page.waitForURL(`${sp.info.base}/protected/`, { timeout: 15_000 });
			} catch (e) {
				const form = page.locator('form input[name="SAMLResponse"]');
				if (await form.count() === 1) {
					// Go on by hand so that the rest is still checked.
					await Promise.all([
						page.waitForURL(`${sp.info.base}/protected/`, { timeout: NAV_TIMEOUT }),
						page.locator('form:has(input[name="SAMLResponse"]) [type="submit"]')
							.first().click(),
					]).catch(() => {});
					throw new Error(`the SAMLResponse form at ${page.url()} did not submit itself`);
				}
				throw new Error(`after the code at ${page.url()}: ${(await page.content()).slice(0, 200)}`);
			}
		});
		// After a submit by hand the protected page is still checked.
		if (state.broken === 'saml_form_submits_itself' &&
		    page.url() === `${sp.info.base}/protected/`)
			delete state.broken;
		await step(state, 'lands_on_the_protected_page', async () => {
			check(page.url() === `${sp.info.base}/protected/`, `at ${page.url()}`);
			const body = await text(page, 'body');
			for (const want of [`MELLON_email=${EMAIL}`, `MELLON_name=${NAME}`, 'MELLON_role=user',
				`MELLON_mail=${EMAIL}`, `MELLON_IDP=${PREFIX}/saml/metadata`])
				check(body.includes(want), `the protected page lacks ${want}: ${body.slice(0, 300)}`);
			check(/MELLON_NAME_ID=\S{16,}/.test(body), 'no NameID of 16 characters or more');
			check(!body.includes(`MELLON_NAME_ID=${EMAIL}`), 'the NameID is the address');
			await shot(page, 'saml-3-protected.png');
		});
		await step(state, 'no_page_problems', async () => {
			check(problems.length === 0, problems.slice(0, 3).join('; '));
		});
	} finally {
		await browser.close();
		if (sp) {
			try {
				await stopSp(sp);
				pass('apache_stops_cleanly');
			} catch (e) {
				fail('apache_stops_cleanly', e);
			}
		}
	}
	process.exit(failures() ? 1 : 0);
}

main().catch((e) => {
	console.log(`FAIL browser.saml_setup: ${String(e && e.message ? e.message : e).split('\n')[0]}`);
	process.exit(1);
});
