// Browser test: headless Debian Chromium driven by playwright-core walks
// invitation (the password rules listed before the first attempt) ->
// acceptance -> home -> logout -> login -> wrong password -> password change
// (back on the home page with a notice) -> sign-in with the new password,
// once in Japanese and once in English, and saves a screenshot of every page.
//
// Started by tests/browser/run, which owns the daemon.  Environment:
//   BROWSER_SEKISHO        the sekisho binary (used for `sekisho invite`)
//   SEKISHO_*          the daemon's configuration (data dir, listen, public URL)
//   BROWSER_BASE_URL   http://127.0.0.1:PORT
//   BROWSER_TENANT     tenant slug created by run
//   BROWSER_OUT        screenshot directory
//   BROWSER_TMP        scratch directory (Chromium profiles)
//   CHROMIUM           browser executable (default /usr/bin/chromium)
//
// Prints one line per test, `PASS browser.<name>` or
// `FAIL browser.<name>: reason`; exits 1 when any test failed.

import { chromium } from 'playwright-core';
import { BASE, BIN, CHROMIUM, CHROMIUM_ARGS, NAV_TIMEOUT, OUT, TIMEOUT, TMP, check, env, invite,
	reporter, requireEnv, shot, submit, text } from './lib.mjs';
import { mkdtempSync, mkdirSync } from 'node:fs';
import path from 'node:path';

const SLUG = env.BROWSER_TENANT;

requireEnv('browser.', { BROWSER_SEKISHO: BIN, BROWSER_BASE_URL: BASE, BROWSER_TENANT: SLUG,
	BROWSER_OUT: OUT, BROWSER_TMP: TMP });

// Texts from web/i18n.h.  Kept here verbatim: the test must notice when the
// catalogue and the pages disagree.
const T = {
	ja: {
		locale: 'ja-JP',
		acceptLanguage: 'ja',
		htmlLang: 'ja',
		inviteTitle: 'アカウントの有効化',
		rulesFailed: 'パスワードが次の条件を満たしていません:',
		tooShort: '8 文字以上',
		rulesTitle: 'パスワードの条件:',
		ruleLength: '8〜64 文字',
		changeTitle: 'パスワード変更',
		changed: 'パスワードを変更しました。',
		homeTitle: 'マイアカウント',
		roleUser: 'ユーザー',
		loginTitle: 'ログイン',
		signOut: 'ログアウト',
		loginFailed: 'メールアドレスまたはパスワードが正しくありません。',
		name: '山田 花子',
	},
	en: {
		locale: 'en-US',
		acceptLanguage: 'en-US,en;q=0.9',
		htmlLang: 'en',
		inviteTitle: 'Activate your account',
		rulesFailed: 'The password does not meet these rules:',
		tooShort: 'at least 8 characters',
		rulesTitle: 'Your password must:',
		ruleLength: 'be 8 to 64 characters long',
		changeTitle: 'Change password',
		changed: 'Your password has been changed.',
		homeTitle: 'My account',
		roleUser: 'User',
		loginTitle: 'Sign in',
		signOut: 'Sign out',
		loginFailed: 'The e-mail address or password is incorrect.',
		name: 'Alice Example',
	},
};

const { fail, step, failures } = reporter('browser.');

async function walk(lang) {
	const t = T[lang];
	const p = `${lang}_`;
	const state = { broken: null };
	const email = `${lang}.user@browser.example`;
	const password = lang === 'ja' ? 'Sakura-Tsuki-2931' : 'Maple-Harbour-2931';
	const newPassword = lang === 'ja' ? 'Hotaru-Yoru-5174' : 'Quartz-Lagoon-8462';
	const home = `${BASE}/t/${SLUG}/`;
	const loginUrl = `${BASE}/t/${SLUG}/login`;
	const problems = []; // console errors and failed sub-resources

	let url;
	try {
		url = invite(SLUG, email);
	} catch (e) {
		fail(`${p}invite_cli`, e);
		return;
	}

	const profile = mkdtempSync(path.join(TMP, `chromium-${lang}-`));
	let ctx;
	try {
		ctx = await chromium.launchPersistentContext(profile, {
			executablePath: CHROMIUM,
			headless: true,
			args: CHROMIUM_ARGS,
			locale: t.locale,
			extraHTTPHeaders: { 'Accept-Language': t.acceptLanguage },
			viewport: { width: 1024, height: 768 },
			timeout: NAV_TIMEOUT,
		});
	} catch (e) {
		fail(`${p}launch`, e);
		return;
	}

	try {
		const page = ctx.pages()[0] || await ctx.newPage();
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

		await step(state, `${p}invitation_form`, async () => {
			const resp = await page.goto(url, { waitUntil: 'load' });
			check(resp && resp.status() === 200, `GET invitation: status ${resp && resp.status()}`);
			const htmlLang = await page.getAttribute('html', 'lang');
			check(htmlLang === t.htmlLang, `html lang="${htmlLang}", expected "${t.htmlLang}"`);
			const h1 = await text(page, 'h1');
			check(h1 === t.inviteTitle, `heading "${h1}", expected "${t.inviteTitle}"`);
			const shown = await text(page, '#invite-email');
			check(shown === email, `invitation shows "${shown}", expected ${email}`);
			for (const id of ['#name', '#password', '#password2', '#submit'])
				check(await page.locator(id).count() === 1, `no ${id} on the form`);
			await checkRules(page, t);
			await shot(page, `${lang}-1-invitation.png`);
		});

		await step(state, `${p}password_rules_error`, async () => {
			await page.fill('#name', t.name);
			await page.fill('#password', 'abc');
			await page.fill('#password2', 'abc');
			const resp = await submit(page, '#submit');
			check(resp.status() === 400, `status ${resp.status()}, expected 400`);
			check(page.url() === url, `moved to ${page.url()}`);
			const err = await text(page, '#error');
			check(err.includes(t.rulesFailed), `error "${err}" lacks "${t.rulesFailed}"`);
			check(err.includes(t.tooShort), `error "${err}" lacks "${t.tooShort}"`);
			const kept = await page.inputValue('#name');
			check(kept === t.name, `display name not kept: "${kept}"`);
			await shot(page, `${lang}-2-password-rules.png`);
		});

		await step(state, `${p}accept_to_home`, async () => {
			await page.fill('#name', t.name);
			await page.fill('#password', password);
			await page.fill('#password2', password);
			const resp = await submit(page, '#submit');
			check(resp.status() === 200, `status ${resp.status()} at ${page.url()}`);
			check(page.url() === home, `landed on ${page.url()}, expected ${home}`);
			await checkHome(page, t, email);
			await shot(page, `${lang}-3-home.png`);
		});

		await step(state, `${p}logout_to_login`, async () => {
			const label = await text(page, '#logout');
			check(label === t.signOut, `logout button "${label}", expected "${t.signOut}"`);
			const resp = await submit(page, '#logout');
			check(resp.status() === 200, `status ${resp.status()}`);
			check(page.url().startsWith(loginUrl), `landed on ${page.url()}, expected the login page`);
			const h1 = await text(page, 'h1');
			check(h1 === t.loginTitle, `heading "${h1}", expected "${t.loginTitle}"`);
			for (const id of ['#email', '#password', '#submit'])
				check(await page.locator(id).count() === 1, `no ${id} on the login form`);
			check(await page.locator('#logout').count() === 0, 'still shows a logout button');
			// The session is gone: home sends us back to the login page.
			const again = await page.goto(home, { waitUntil: 'load' });
			check(again.status() === 200 && page.url().startsWith(loginUrl),
			      `after logout, home answered ${again.status()} at ${page.url()}`);
			await shot(page, `${lang}-4-login.png`);
		});

		await step(state, `${p}wrong_password`, async () => {
			await page.goto(loginUrl, { waitUntil: 'load' });
			await page.fill('#email', email);
			await page.fill('#password', password + 'x');
			const resp = await submit(page, '#submit');
			check(resp.status() === 401, `status ${resp.status()}, expected 401`);
			check(page.url().startsWith(loginUrl), `moved to ${page.url()}`);
			const err = await text(page, '#error');
			check(err === t.loginFailed, `error "${err}", expected "${t.loginFailed}"`);
			const kept = await page.inputValue('#email');
			check(kept === email, `e-mail not kept: "${kept}"`);
			check(await page.inputValue('#password') === '', 'password field was refilled');
			await shot(page, `${lang}-5-wrong-password.png`);
		});

		await step(state, `${p}login_to_home`, async () => {
			await page.goto(loginUrl, { waitUntil: 'load' });
			await page.fill('#email', email);
			await page.fill('#password', password);
			const resp = await submit(page, '#submit');
			check(resp.status() === 200, `status ${resp.status()} at ${page.url()}`);
			check(page.url() === home, `landed on ${page.url()}, expected ${home}`);
			await checkHome(page, t, email);
			const rows = await page.locator('#sessions tr[data-session]').count();
			check(rows >= 1, 'no session listed on the home page');
			await shot(page, `${lang}-6-home-after-login.png`);
		});

		// The password page lists the rules first; after the change the home
		// page says so, and the new password signs in.
		await step(state, `${p}password_change_to_home`, async () => {
			await submit(page, `main a[href="/t/${SLUG}/password"]`);
			check(page.url() === `${BASE}/t/${SLUG}/password`, `the link leads to ${page.url()}`);
			const h1 = await text(page, 'h1');
			check(h1 === t.changeTitle, `heading "${h1}", expected "${t.changeTitle}"`);
			await checkRules(page, t);
			await shot(page, `${lang}-7-password.png`);
			await page.fill('#current', password);
			await page.fill('#password', newPassword);
			await page.fill('#password2', newPassword);
			const resp = await submit(page, '#submit');
			check(resp.status() === 200, `status ${resp.status()} at ${page.url()}`);
			check(page.url() === `${home}?done=password`, `landed on ${page.url()}, expected the home page`);
			const notice = await text(page, '#notice');
			check(notice === t.changed, `notice "${notice}", expected "${t.changed}"`);
			await checkHome(page, t, email);
			await shot(page, `${lang}-8-password-changed.png`);
		});

		await step(state, `${p}login_new_password`, async () => {
			await submit(page, '#logout');
			await page.goto(loginUrl, { waitUntil: 'load' });
			await page.fill('#email', email);
			await page.fill('#password', newPassword);
			const resp = await submit(page, '#submit');
			check(resp.status() === 200 && page.url() === home,
			      `status ${resp.status()} at ${page.url()}, expected the home page`);
			await checkHome(page, t, email);
		});

		// Everything the pages loaded (stylesheet) loaded, no console errors
		// (a CSP violation would show up here).
		await step(state, `${p}no_page_errors`, async () => {
			check(problems.length === 0, problems.slice(0, 3).join('; '));
		});
	} catch (e) {
		fail(`${p}walk`, e);
	} finally {
		await ctx.close().catch(() => {});
	}
}

// The tenant's password rules are listed under the form before any
// attempt (the defaults: 8 to 64 characters first), and no error is shown.
async function checkRules(page, t) {
	const title = await text(page, '#pw-policy p');
	check(title === t.rulesTitle, `rules title "${title}", expected "${t.rulesTitle}"`);
	const rule = await text(page, '#pw-rules li[data-pw-rule="length"]');
	check(rule === t.ruleLength, `length rule "${rule}", expected "${t.ruleLength}"`);
	check(await page.locator('#pw-rules li').count() >= 3, 'fewer than 3 rules listed');
	check(await page.locator('#pw-rules li.failed').count() === 0, 'a rule is marked failed');
	check(await page.locator('#error').count() === 0, 'an #error before the first attempt');
}

async function checkHome(page, t, email) {
	const h1 = await text(page, 'h1');
	check(h1 === t.homeTitle, `heading "${h1}", expected "${t.homeTitle}"`);
	const name = await text(page, '#user-name');
	check(name === t.name, `#user-name "${name}", expected "${t.name}"`);
	const mail = await text(page, '#user-email');
	check(mail === email, `#user-email "${mail}", expected ${email}`);
	const role = await text(page, '#user-role');
	check(role === t.roleUser, `#user-role "${role}", expected "${t.roleUser}"`);
}

try {
	await walk('ja');
	await walk('en');
} catch (e) {
	fail('internal', e);
}
process.exit(failures() ? 1 : 0);
