// Browser test of the administrator console: headless Debian Chromium driven
// by playwright-core.  An administrator (invited with --role admin, accepted in
// the browser) opens the console, changes the policy (and is refused a bad
// value), the policy holds for a second user accepting an invitation, the
// administrator suspends that user (whose open session ends and whose sign-in
// fails), the audit tab and its CSV export show the suspension, and the
// console is shown in Japanese.  A screenshot of every page is saved.
//
// Started by tests/browser/run, which owns the daemon.  Environment:
//   BROWSER_SEKISHO    the sekisho binary (used for `sekisho invite`)
//   SEKISHO_*          the daemon's configuration (data dir, listen, public URL)
//   BROWSER_BASE_URL   http://127.0.0.1:PORT
//   BROWSER_CONSOLE_TENANT  tenant slug for this test (default BROWSER_TENANT);
//                      its policy is changed, so it should not be shared
//   BROWSER_OUT        screenshot directory
//   BROWSER_TMP        scratch directory
//   CHROMIUM           browser executable (default /usr/bin/chromium)
//
// Prints one line per test, `PASS browser.console_<name>` or
// `FAIL browser.console_<name>: reason`; exits 1 when any test failed.

import { chromium } from 'playwright-core';
import { BASE, BIN, CHROMIUM, CHROMIUM_ARGS, NAV_TIMEOUT, OUT, TIMEOUT, TMP, check, env, invite,
	reporter, requireEnv, shot, submit, text } from './lib.mjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const SLUG = env.BROWSER_CONSOLE_TENANT || env.BROWSER_TENANT;

requireEnv('browser.console_', { BROWSER_SEKISHO: BIN, BROWSER_BASE_URL: BASE, 'BROWSER_CONSOLE_TENANT or BROWSER_TENANT': SLUG,
	BROWSER_OUT: OUT, BROWSER_TMP: TMP });

// Texts from web/i18n.h, verbatim: the test must notice when the catalogue
// and the pages disagree.
const T = {
	en: {
		locale: 'en-US',
		acceptLanguage: 'en-US,en;q=0.9',
		htmlLang: 'en',
		console: 'Administrator console',
		tabs: ['Users', 'Invitations', 'Policy', 'Audit log'],
		active: 'Active',
		invited: 'Invited',
		suspended: 'Suspended',
		you: 'you',
		suspend: 'Suspend',
		resume: 'Resume',
		homeTitle: 'My account',
		loginTitle: 'Sign in',
		loginFailed: 'The e-mail address or password is incorrect.',
		rulesFailed: 'The password does not meet these rules:',
		tooShort12: 'at least 12 characters',
		policySaved: 'The policy has been saved and applies from now on.',
		policyInvalid: 'Please correct this setting: Minimum length (8–64 characters)',
		minLengthLabel: 'Minimum length (8–64 characters)',
		concEnd: 'End the older session',
		suspendedNotice: (e) => `${e} has been suspended and signed out everywhere.`,
		auditFilter: 'Apply filters',
		export: 'Export CSV',
	},
	ja: {
		locale: 'ja-JP',
		acceptLanguage: 'ja',
		htmlLang: 'ja',
		console: '管理コンソール',
		tabs: ['ユーザー', '招待', 'ポリシー', '監査ログ'],
		active: '有効',
		suspended: '利用停止中',
		you: 'あなた',
		resume: '利用再開',
		minLengthLabel: '最小文字数 (8〜64)',
		concEnd: '古いセッションを終了する',
		auditFilter: '絞り込む',
		export: 'CSV をエクスポート',
	},
};

const ADMIN = 'admin@console.example';
const ADMIN_PASSWORD = 'Lantern-Orchard-4817';
const USER = 'hanako@console.example';
const USER_SHORT = 'Kiwi-Tree-2';   // 11 characters: one short of the new minimum
const USER_PASSWORD = 'Kiwi-Tree-29'; // exactly 12: the new minimum
const PREFIX = `${BASE}/t/${SLUG}`;
const LOGIN = `${PREFIX}/login`;
const HOME = `${PREFIX}/`;
const ADMIN_URL = `${PREFIX}/admin/`;
const POLICY_URL = `${PREFIX}/admin/policy`;
const AUDIT_URL = `${PREFIX}/admin/audit`;
const API_POLICY = `${PREFIX}/api/v1/policy`;

const { pass, fail, step, failures } = reporter('browser.console_');







async function goto(page, url, status = 200) {
	const resp = await page.goto(url, { waitUntil: 'load' });
	check(resp, `no response for ${url}`);
	check(resp.status() === status, `GET ${url}: status ${resp.status()}, expected ${status}`);
	return resp;
}



// Field ids of the policy form are the dotted JSON names ("password.min_length").
const field = (key) => `[name="${key}"]`;

// The policy document as the API gives it to the browser's session.
async function apiPolicy(page) {
	const r = await page.request.get(API_POLICY, { timeout: TIMEOUT });
	check(r.status() === 200, `GET ${API_POLICY}: status ${r.status()}`);
	check((r.headers()['content-type'] || '').startsWith('application/json'),
	      `GET ${API_POLICY}: content type ${r.headers()['content-type']}`);
	return await r.json();
}

function watch(page, problems) {
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

async function newContext(browser, lang, extra = {}) {
	const t = T[lang];
	return browser.newContext({
		locale: t.locale,
		extraHTTPHeaders: { 'Accept-Language': t.acceptLanguage },
		viewport: { width: 1280, height: 900 },
		acceptDownloads: true,
		...extra,
	});
}

async function accept(page, url, name, password) {
	await goto(page, url);
	await page.fill('#name', name);
	await page.fill('#password', password);
	await page.fill('#password2', password);
	return submit(page, '#submit');
}

async function badgeOf(page, email) {
	return text(page, `#users tr[data-email="${email}"] .badge`);
}

async function checkTabs(page, t) {
	const h1 = await text(page, 'h1');
	check(h1 === t.console, `heading "${h1}", expected "${t.console}"`);
	const tabs = (await page.locator('#admin-tabs a').allInnerTexts()).map((s) => s.trim());
	check(JSON.stringify(tabs) === JSON.stringify(t.tabs),
	      `tabs ${JSON.stringify(tabs)}, expected ${JSON.stringify(t.tabs)}`);
}

async function run(browser) {
	const en = T.en, ja = T.ja;
	const state = { broken: null };
	const problems = [];
	let adminInvite, userInvite;

	try {
		adminInvite = invite(SLUG, ADMIN, 'admin');
		userInvite = invite(SLUG, USER, 'user');
	} catch (e) {
		fail('invite_cli', e);
		return;
	}

	const adminCtx = await newContext(browser, 'en');
	const userCtx = await newContext(browser, 'en');
	const admin = await adminCtx.newPage();
	const user = await userCtx.newPage();
	watch(admin, problems);
	watch(user, problems);
	let before; // the policy before the change

	// 1. The administrator accepts the invitation and opens the console.
	await step(state, 'users_tab', async () => {
		const resp = await accept(admin, adminInvite, 'Console Admin', ADMIN_PASSWORD);
		check(resp.status() === 200 && admin.url() === HOME,
		      `acceptance: status ${resp.status()} at ${admin.url()}`);
		await goto(admin, ADMIN_URL);
		check(await admin.getAttribute('html', 'lang') === en.htmlLang, 'html lang is not en');
		await checkTabs(admin, en);
		const on = await text(admin, '#admin-tabs a[aria-current="page"]');
		check(on === en.tabs[0], `current tab "${on}", expected "${en.tabs[0]}"`);
		const rows = await admin.locator('#users tr[data-email]').count();
		check(rows === 2, `${rows} user rows, expected 2`);
		const a = await badgeOf(admin, ADMIN);
		check(a === en.active, `admin badge "${a}", expected "${en.active}"`);
		const you = await text(admin, `#users tr[data-email="${ADMIN}"] td:last-child`);
		check(you === en.you, `admin's own actions "${you}", expected only "${en.you}"`);
		const u = await badgeOf(admin, USER);
		check(u === en.invited, `user badge "${u}", expected "${en.invited}"`);
		check(await admin.locator(`#users tr[data-email="${USER}"] .badge.invited`).count() === 1,
		      'invited badge lacks class "invited"');
		await shot(admin, 'console-en-1-users.png');
		before = await apiPolicy(admin);
		check(before.password && before.session && before.ip, 'API policy lacks groups');
	});

	// 2a. Policy change through the form, shown after a reload and by the API.
	await step(state, 'policy_change', async () => {
		await goto(admin, POLICY_URL);
		check(await admin.locator('#policy').count() === 1, 'no #policy form');
		await admin.fill(field('password.min_length'), '12');
		await admin.selectOption(field('session.concurrent'), 'end_old');
		const allow = await admin.inputValue(field('ip.allow'));
		await admin.fill(field('ip.allow'), (allow.trim() ? allow.trim() + '\n' : '') + '127.0.0.0/8');
		const resp = await submit(admin, '#save');
		check(resp.status() === 200, `save: status ${resp.status()} at ${admin.url()}`);
		check(admin.url().startsWith(POLICY_URL), `save landed on ${admin.url()}`);
		const notice = await text(admin, '#notice');
		check(notice === en.policySaved, `notice "${notice}", expected "${en.policySaved}"`);
		check(await admin.locator('#error').count() === 0, 'an #error is shown after saving');
		await shot(admin, 'console-en-2-policy-saved.png');

		await admin.reload({ waitUntil: 'load' });
		await goto(admin, POLICY_URL); // without ?done=
		const min = await admin.inputValue(field('password.min_length'));
		check(min === '12', `after reload min_length shows "${min}"`);
		const conc = await admin.inputValue(field('session.concurrent'));
		check(conc === 'end_old', `after reload concurrent shows "${conc}"`);
		const concLabel = (await admin.locator(`${field('session.concurrent')} option:checked`).innerText()).trim();
		check(concLabel === en.concEnd, `selected option "${concLabel}", expected "${en.concEnd}"`);
		const ips = (await admin.inputValue(field('ip.allow'))).split('\n').map((s) => s.trim());
		check(ips.includes('127.0.0.0/8'), `after reload ip.allow shows ${JSON.stringify(ips)}`);
		const json = await text(admin, '#policy-json');
		check(json.includes('127.0.0.0/8') && json.includes('end_old'),
		      '#policy-json does not show the new values');

		const p = await apiPolicy(admin);
		check(p.password.min_length === 12, `API min_length ${p.password.min_length}`);
		check(p.session.concurrent === 'end_old', `API concurrent ${p.session.concurrent}`);
		check(Array.isArray(p.ip.allow) && p.ip.allow.includes('127.0.0.0/8'),
		      `API ip.allow ${JSON.stringify(p.ip.allow)}`);
		// Nothing else moved.
		for (const k of ['max_length', 'history', 'expiry_days', 'min_classes'])
			check(p.password[k] === before.password[k],
			      `API password.${k} changed from ${before.password[k]} to ${p.password[k]}`);
		check(p.lockout.max_failures === before.lockout.max_failures, 'lockout.max_failures changed');
	});

	// 2b. A bad value is refused, named, and changes nothing (not even the
	// other, valid, field submitted with it).
	await step(state, 'policy_bad_value', async () => {
		const good = await apiPolicy(admin);
		await goto(admin, POLICY_URL);
		await admin.fill(field('password.min_length'), '5');
		const history = good.password.history >= 24 ? 0 : good.password.history + 1;
		await admin.fill(field('password.history'), String(history));
		const resp = await submit(admin, '#save');
		check(resp.status() === 400, `status ${resp.status()}, expected 400`);
		const err = await text(admin, '#error');
		check(err.includes(en.policyInvalid), `error "${err}" lacks "${en.policyInvalid}"`);
		const inv = await admin.getAttribute(field('password.min_length'), 'aria-invalid');
		check(inv === 'true', `min_length aria-invalid="${inv}"`);
		const kept = await admin.inputValue(field('password.min_length'));
		check(kept === '5', `the form does not show the submitted value again: "${kept}"`);
		check(await admin.locator('#notice').count() === 0, 'a #notice is shown with the error');
		await shot(admin, 'console-en-3-policy-error.png');

		const p = await apiPolicy(admin);
		check(JSON.stringify(p) === JSON.stringify(good),
		      `the policy changed: ${JSON.stringify(p.password)}`);
		await goto(admin, POLICY_URL);
		const min = await admin.inputValue(field('password.min_length'));
		check(min === '12', `after the refusal min_length shows "${min}"`);
	});

	// 3. The policy holds for users: 11 characters fail, exactly 12 pass.
	await step(state, 'policy_holds_for_user', async () => {
		let resp = await accept(user, userInvite, 'Hanako User', USER_SHORT);
		check(resp.status() === 400, `short password: status ${resp.status()}, expected 400`);
		check(user.url() === userInvite, `short password: moved to ${user.url()}`);
		const err = await text(user, '#error');
		check(err.includes(en.rulesFailed), `error "${err}" lacks "${en.rulesFailed}"`);
		check(err.includes(en.tooShort12), `error "${err}" lacks "${en.tooShort12}"`);
		await shot(user, 'console-en-4-user-min-length.png');
		resp = await accept(user, userInvite, 'Hanako User', USER_PASSWORD);
		check(resp.status() === 200 && user.url() === HOME,
		      `12-character password: status ${resp.status()} at ${user.url()}`);
		const h1 = await text(user, 'h1');
		check(h1 === en.homeTitle, `home heading "${h1}"`);
		await goto(admin, ADMIN_URL);
		const b = await badgeOf(admin, USER);
		check(b === en.active, `user badge after acceptance "${b}", expected "${en.active}"`);
	});

	// 4a. Suspension from the users tab.
	await step(state, 'suspend_user', async () => {
		await goto(admin, ADMIN_URL);
		const row = `#users tr[data-email="${USER}"]`;
		const label = await text(admin, `${row} button[value="suspend"]`);
		check(label === en.suspend, `suspend button "${label}", expected "${en.suspend}"`);
		const resp = await submit(admin, `${row} button[value="suspend"]`);
		check(resp.status() === 200, `status ${resp.status()} at ${admin.url()}`);
		check(admin.url().startsWith(`${PREFIX}/admin/users?done=suspended`),
		      `landed on ${admin.url()}`);
		const notice = await text(admin, '#notice');
		check(notice === en.suspendedNotice(USER), `notice "${notice}"`);
		const b = await badgeOf(admin, USER);
		check(b === en.suspended, `badge "${b}", expected "${en.suspended}"`);
		check(await admin.locator(`${row} button[value="resume"]`).count() === 1, 'no resume button');
		check(await admin.locator(`${row} button[value="suspend"]`).count() === 0,
		      'suspend button still shown');
		await shot(admin, 'console-en-5-suspended.png');
	});

	// 4b. The user's open session ends: the next navigation goes to sign-in.
	await step(state, 'suspended_session_ends', async () => {
		await goto(user, HOME);
		check(user.url().startsWith(LOGIN), `home stayed at ${user.url()}`);
		const h1 = await text(user, 'h1');
		check(h1 === en.loginTitle, `heading "${h1}", expected "${en.loginTitle}"`);
		await shot(user, 'console-en-6-user-signed-out.png');
	});

	// 4c. The right password no longer signs in; the message is the generic one.
	await step(state, 'suspended_login_fails', async () => {
		await goto(user, LOGIN);
		await user.fill('#email', USER);
		await user.fill('#password', USER_PASSWORD);
		const resp = await submit(user, '#submit');
		check(resp.status() === 401, `status ${resp.status()}, expected 401`);
		check(user.url().startsWith(LOGIN), `moved to ${user.url()}`);
		const err = await text(user, '#error');
		check(err === en.loginFailed, `error "${err}", expected "${en.loginFailed}"`);
		await shot(user, 'console-en-7-suspended-login.png');
	});

	// 4d. The audit tab, filtered by action=user, shows the suspension, and the
	// CSV export of that view contains it.
	let csvHref;
	await step(state, 'audit_suspended', async () => {
		await goto(admin, AUDIT_URL);
		await admin.fill('#f-action', 'user');
		const resp = await submit(admin, '#audit-filter button[type="submit"]');
		check(resp.status() === 200, `filter: status ${resp.status()}`);
		const u = new URL(admin.url());
		check(u.pathname === `/t/${SLUG}/admin/audit` && u.searchParams.get('action') === 'user',
		      `filter landed on ${admin.url()}`);
		const actions = (await admin.locator('#audit tr[data-seq] td:nth-child(5)').allInnerTexts())
			.map((s) => s.trim());
		check(actions.length > 0, 'no audit rows for action=user');
		check(actions.every((a) => a.startsWith('user.')),
		      `rows outside the filter: ${actions.filter((a) => !a.startsWith('user.')).join(', ')}`);
		const row = admin.locator('#audit tr[data-seq]', { hasText: 'user.suspended' });
		check(await row.count() === 1, `${await row.count()} user.suspended rows, expected 1`);
		const rowText = await row.first().innerText();
		check(rowText.includes(USER) && rowText.includes(ADMIN),
		      `user.suspended row lacks target or actor: "${rowText.replace(/\s+/g, ' ')}"`);
		check(await text(admin, '#pager') !== '', 'empty #pager');
		const ex = await text(admin, '#export');
		check(ex === en.export, `export link "${ex}", expected "${en.export}"`);
		csvHref = await admin.getAttribute('#export', 'href');
		check(csvHref && csvHref.includes('audit.csv') && csvHref.includes('action=user'),
		      `export link ${csvHref} does not carry the filter`);
		await row.first().scrollIntoViewIfNeeded();
		await shot(admin, 'console-en-8-audit.png');
	});

	await step(state, 'audit_csv_export', async () => {
		const [download] = await Promise.all([
			admin.waitForEvent('download', { timeout: NAV_TIMEOUT }),
			admin.click('#export'),
		]);
		const name = download.suggestedFilename();
		check(/^audit-.*\.csv$/.test(name), `download named "${name}"`);
		const file = path.join(TMP, name);
		await download.saveAs(file);
		const csv = readFileSync(file, 'utf8');
		writeFileSync(path.join(OUT, 'console-en-audit.csv'), csv);
		check(csv.includes('user.suspended'), 'the CSV lacks user.suspended');
		check(csv.includes(USER), `the CSV lacks ${USER}`);
		const lines = csv.trim().split(/\r?\n/);
		check(lines.length >= 2, `${lines.length} CSV lines`);
		check(lines[0].split(',')[5] === 'action', `unexpected CSV header "${lines[0]}"`);
		// seq, time, actor, role and source_ip never hold a comma.
		const acts = lines.slice(1).map((l) => l.split(',')[5]);
		check(acts.every((a) => a.startsWith('user.')),
		      `the CSV holds events outside the action=user filter: ${acts.filter((a) => !a.startsWith('user.')).join(', ')}`);
		// The same link fetched with the session's cookies.
		const r = await admin.request.get(new URL(csvHref, BASE).href, { timeout: TIMEOUT });
		check(r.status() === 200, `GET ${csvHref}: status ${r.status()}`);
		check((r.headers()['content-type'] || '').startsWith('text/csv'),
		      `content type ${r.headers()['content-type']}`);
		check((await r.text()).includes('user.suspended'), 'the fetched CSV lacks user.suspended');
	});

	// 5. The console in Japanese, with the administrator's session.
	const jaCtx = await newContext(browser, 'ja', { storageState: await adminCtx.storageState() });
	const jp = await jaCtx.newPage();
	watch(jp, problems);
	const jstate = { broken: null };
	await step(jstate, 'japanese', async () => {
		await goto(jp, ADMIN_URL);
		check(await jp.getAttribute('html', 'lang') === ja.htmlLang, 'html lang is not ja');
		await checkTabs(jp, ja);
		const a = await badgeOf(jp, ADMIN);
		check(a === ja.active, `admin badge "${a}", expected "${ja.active}"`);
		const u = await badgeOf(jp, USER);
		check(u === ja.suspended, `user badge "${u}", expected "${ja.suspended}"`);
		const resume = await text(jp, `#users tr[data-email="${USER}"] button[value="resume"]`);
		check(resume === ja.resume, `resume button "${resume}", expected "${ja.resume}"`);
		await shot(jp, 'console-ja-1-users.png');

		await goto(jp, POLICY_URL);
		const lab = await text(jp, 'label[for="password.min_length"]');
		check(lab === ja.minLengthLabel, `min_length label "${lab}", expected "${ja.minLengthLabel}"`);
		const conc = (await jp.locator(`${field('session.concurrent')} option:checked`).innerText()).trim();
		check(conc === ja.concEnd, `concurrent option "${conc}", expected "${ja.concEnd}"`);
		await shot(jp, 'console-ja-2-policy.png');

		await goto(jp, `${AUDIT_URL}?action=user`);
		const btn = await text(jp, '#audit-filter button[type="submit"]');
		check(btn === ja.auditFilter, `filter button "${btn}", expected "${ja.auditFilter}"`);
		const ex = await text(jp, '#export');
		check(ex === ja.export, `export link "${ex}", expected "${ja.export}"`);
		await shot(jp, 'console-ja-3-audit.png');
	});

	// Every page loaded its sub-resources, and no console errors (a CSP
	// violation would show up here).
	await step({ broken: null }, 'no_page_errors', async () => {
		check(problems.length === 0, problems.slice(0, 3).join('; '));
	});

	for (const c of [jaCtx, userCtx, adminCtx])
		await c.close().catch(() => {});
}

let browser;
try {
	browser = await chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: CHROMIUM_ARGS,
		timeout: NAV_TIMEOUT,
	});
} catch (e) {
	fail('launch', e);
	process.exit(1);
}
try {
	await run(browser);
} catch (e) {
	fail('internal', e);
} finally {
	await browser.close().catch(() => {});
}
process.exit(failures() ? 1 : 0);
