// Browser test of two-step verification: in a tenant whose policy requires
// it of everyone, a new user accepts the invitation and is taken straight
// to enrolment (no session before it); the QR code on the page is decoded
// from a screenshot with Debian's zbarimg and must be the page's otpauth://
// URI; a code computed with oathtool turns it on and shows the ten
// recovery codes once; after signing out, the password alone gives only the
// code page, and a code computed by the test signs in.
//
// Started by tests/browser/run (environment as in flow.mjs, plus
// BROWSER_MFA_TENANT).  Prints `PASS browser.mfa_<name>` lines.

import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { BASE, BIN, CHROMIUM, CHROMIUM_ARGS, OUT, TMP, TIMEOUT, check, env, goto, invite,
	reporter, requireEnv, shot, submit, text, watch } from './lib.mjs';

const SLUG = env.BROWSER_MFA_TENANT;
requireEnv('browser.mfa_', { BROWSER_SEKISHO: BIN, BROWSER_BASE_URL: BASE,
	BROWSER_MFA_TENANT: SLUG, BROWSER_OUT: OUT, BROWSER_TMP: TMP });

const EMAIL = 'kenji@mfa.example';
const PASSWORD = 'Quiet-Harbour-5821';
const PREFIX = `${BASE}/t/${SLUG}`;
const { step, failures } = reporter('browser.mfa_');

function run(cmd, args) {
	return execFileSync(cmd, args, { env, encoding: 'utf8', timeout: 60_000,
		stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

// The TOTP code of secret (base32) at Unix time t, from Debian's oathtool.
function totp(secret, t) {
	return run('oathtool', ['--totp', '-b', secret, '-N', `@${Math.floor(t)}`]);
}

// Require a second factor of everyone, through the API with a fresh token.
async function requireMfa() {
	const out = run(BIN, ['token', 'create', SLUG, '--name', 'browser-mfa']).split('\n');
	const token = out[out.length - 1].trim();
	const r = await fetch(`${PREFIX}/api/v1/policy`, {
		method: 'PUT',
		headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
		body: JSON.stringify({ mfa: { require: 'all' } }),
	});
	check(r.status === 200, `PUT policy: status ${r.status}`);
}

async function main() {
	const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
	const problems = [];
	const state = {};
	let page, secret, uri;
	try {
		const ctx = await browser.newContext({ locale: 'en-US',
			extraHTTPHeaders: { 'Accept-Language': 'en-US,en;q=0.9' },
			viewport: { width: 390, height: 900 } });
		page = await ctx.newPage();
		watch(page, problems);
		await step(state, 'policy_requires_mfa', requireMfa);
		await step(state, 'invitation_leads_to_enrolment', async () => {
			const url = invite(SLUG, EMAIL);
			await goto(page, url);
			await page.fill('#name', 'Kenji Sato');
			await page.fill('#password', PASSWORD);
			await page.fill('#password2', PASSWORD);
			const resp = await submit(page, '#submit');
			check(resp.status() === 200, `after acceptance: status ${resp.status()}`);
			check(page.url() === `${PREFIX}/mfa/totp`, `after acceptance at ${page.url()}`);
			check(await page.locator('#mfa-required').count() === 1, 'no "required" notice');
			const cookies = await ctx.cookies();
			check(!cookies.some((c) => c.name === `sekisho_s_${SLUG}`),
			      'a session cookie exists before the second factor');
			check(cookies.some((c) => c.name === `sekisho_f_${SLUG}`), 'no pending-login cookie');
			// Nothing else is reachable yet.
			const home = await page.request.get(`${PREFIX}/`, { maxRedirects: 0 });
			check(home.status() === 303 || home.status() === 302,
			      `home while pending: ${home.status()}`);
			await shot(page, 'mfa-1-enrol.png');
		});
		await step(state, 'qr_code_decodes_to_the_otpauth_uri', async () => {
			uri = await page.getAttribute('#otpauth', 'href');
			secret = await page.inputValue('#secret');
			check(uri && uri.startsWith('otpauth://totp/'), `otpauth link ${uri}`);
			check(uri.includes(`secret=${secret}&`), `URI ${uri} lacks the secret ${secret}`);
			const png = path.join(OUT, 'mfa-qr.png');
			await page.locator('#qr svg').screenshot({ path: png });
			const decoded = run('zbarimg', ['--raw', '-q', png]);
			check(decoded === uri, `QR says ${JSON.stringify(decoded)}, page ${JSON.stringify(uri)}`);
		});
		await step(state, 'code_turns_it_on_and_shows_recovery_codes', async () => {
			await page.fill('#code', totp(secret, Date.now() / 1000));
			const resp = await submit(page, '#submit');
			check(resp.status() === 200, `confirm: status ${resp.status()}`);
			const codes = await page.locator('#recovery-codes li code').allInnerTexts();
			check(codes.length === 10 && new Set(codes).size === 10, `recovery codes ${codes}`);
			check(codes.every((c) => /^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/.test(c)),
			      `recovery code format ${codes}`);
			await shot(page, 'mfa-2-recovery-codes.png');
			await submit(page, '#continue');
			check(page.url() === `${PREFIX}/`, `continue led to ${page.url()}`);
			check((await text(page, '#recovery-left')).includes('10'), 'recovery codes left');
			await shot(page, 'mfa-3-home.png');
		});
		await step(state, 'password_alone_gives_only_the_code_page', async () => {
			await submit(page, '#logout');
			await goto(page, `${PREFIX}/login`);
			await page.fill('#email', EMAIL);
			await page.fill('#password', PASSWORD);
			await submit(page, '#submit');
			check(page.url() === `${PREFIX}/login/mfa`, `after the password at ${page.url()}`);
			const admin = await page.request.get(`${PREFIX}/api/v1/users`);
			check(admin.status() === 401, `API with a pending login: ${admin.status()}`);
			await shot(page, 'mfa-4-code-page.png');
		});
		await step(state, 'code_from_the_test_signs_in', async () => {
			// The step that confirmed enrolment is spent: use the next one.
			await page.fill('#code', totp(secret, Date.now() / 1000 + 30));
			await submit(page, '#submit');
			check(page.url() === `${PREFIX}/`, `after the code at ${page.url()}`);
			check((await text(page, '#user-email')) === EMAIL, 'home shows another user');
			await shot(page, 'mfa-5-signed-in.png');
		});
		await step(state, 'no_page_problems', async () => {
			check(problems.length === 0, problems.slice(0, 3).join('; '));
		});
	} finally {
		await browser.close();
	}
	process.exit(failures() ? 1 : 0);
}

main().catch((e) => {
	console.log(`FAIL browser.mfa_setup: ${String(e && e.message ? e.message : e).split('\n')[0]}`);
	process.exit(1);
});
