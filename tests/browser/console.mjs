// Browser test of the administrator console: headless Debian Chromium driven
// by playwright-core.  An administrator (invited with --role admin, accepted in
// the browser) lands on the overview, changes the policy (in hours and
// minutes) and is refused several bad values at once, the policy holds for a
// second user accepting an invitation (whose rules are listed before the
// first attempt), the administrator's own page offers no role change (and the
// last administrator cannot be demoted by a hand-made request either) while
// the second user's role is changed on their page, the administrator suspends
// that user only after a confirmation page (Cancel changes nothing; the user's open session
// ends once confirmed and their sign-in fails), the audit tab shows the
// suspension as a sentence and its CSV export carries the tenant's time zone,
// the console is shown in Japanese, and an invitation made without a mail
// server shows its link once and is revoked after a confirmation.  A
// screenshot of every page is saved.
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
import { BASE, BIN, CHROMIUM, CHROMIUM_ARGS, NAV_TIMEOUT, OUT, TIMEOUT, TMP, accept, apiGet,
	apiUser, check, env, goto, invite, reporter, requireEnv, shot, submit, text,
	watch } from './lib.mjs';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const SLUG = env.BROWSER_CONSOLE_TENANT || env.BROWSER_TENANT;

requireEnv('browser.console_', { BROWSER_SEKISHO: BIN, BROWSER_BASE_URL: BASE, 'BROWSER_CONSOLE_TENANT or BROWSER_TENANT': SLUG,
	BROWSER_OUT: OUT, BROWSER_TMP: TMP });

// Texts from the catalogue (web/i18n.h and the files it includes), verbatim:
// the test must notice when the catalogue and the pages disagree.
const T = {
	en: {
		locale: 'en-US',
		acceptLanguage: 'en-US,en;q=0.9',
		htmlLang: 'en',
		console: 'Administrator console',
		tabs: ['Overview', 'Users', 'Invitations', 'Policy', 'Audit log', 'Certificates', 'Apps', 'SAML'],
		accounts: 'Accounts',
		active: 'Active',
		invited: 'Invited',
		suspended: 'Suspended',
		you: 'you',
		suspend: 'Suspend',
		resume: 'Resume',
		cancel: 'Cancel',
		admin: 'Administrator',
		user: 'User',
		homeTitle: 'My account',
		loginTitle: 'Sign in',
		loginFailed: 'The e-mail address or password is incorrect.',
		rulesFailed: 'The password does not meet these rules:',
		tooShort12: 'at least 12 characters',
		ruleLength12: 'be 12 to 64 characters long',
		policySaved: 'The policy has been saved and applies from now on.',
		policyInvalid: 'Please correct these settings:',
		minLengthLabel: 'Minimum length',
		idleLabel: 'Idle timeout',
		ipAllowLabel: 'Addresses allowed for everyone',
		timezoneLabel: 'Time zone for display',
		minLengthRange: 'Enter a value from 8 to 64.',
		notNumber: 'Enter a whole number using the digits 0-9.',
		badEntry: (v) => `The entry “${v}” is not a valid address range.`,
		refused: 'This value is not accepted.',
		hours: 'hours',
		minutes: 'minutes',
		policyApi: 'For automation, read and change this policy as JSON through the API:',
		concEnd: 'End the older session',
		confirmSuspend: (e) => `Suspend ${e}?`,
		suspendWhat: (e) => `${e} will be signed out everywhere at once and cannot sign in until an administrator resumes the account.`,
		suspendedNotice: (e) => `${e} has been suspended and signed out everywhere.`,
		roleSaved: (e) => `The role of ${e} has been saved.`,
		lastAdmin: (e) => `${e} is the last active administrator and cannot be suspended, deleted or made a user. Make another user an administrator first.`,
		roleChanged: (a, e) => `${a} changed the role of ${e} from User to Administrator`,
		suspendedSentence: (a, e) => `${a} suspended ${e}`,
		linkCreated: (e) => `An invitation for ${e} has been created. No mail server is configured, so pass this link on yourself.`,
		linkLabel: 'Acceptance link',
		linkOnce: 'This link is shown only now. If it is lost, re-send the invitation.',
		confirmRevoke: (e) => `Revoke the invitation to ${e}?`,
		revokeWhat: (e) => `The link sent to ${e} stops working at once. You can invite the address again later.`,
		revoke: 'Revoke',
		revoked: 'The invitation has been revoked.',
		inviteTitle: 'Activate your account',
		inviteInvalid: 'Invitation not valid',
		auditFilter: 'Apply filters',
		export: 'Export CSV',
	},
	ja: {
		locale: 'ja-JP',
		acceptLanguage: 'ja',
		htmlLang: 'ja',
		console: '管理コンソール',
		tabs: ['概要', 'ユーザー', '招待', 'ポリシー', '監査ログ', '証明書', 'アプリ', 'SAML'],
		accounts: 'アカウント',
		active: '有効',
		suspended: '利用停止中',
		resume: '利用再開',
		minLengthLabel: '最小文字数',
		hours: '時間',
		minutes: '分',
		concEnd: '古いセッションを終了する',
		suspendedSentence: (a, e) => `${a} が ${e} を利用停止にしました`,
		auditFilter: '絞り込む',
		export: 'CSV をエクスポート',
	},
};

const ADMIN = 'admin@console.example';
const ADMIN_PASSWORD = 'Lantern-Orchard-4817';
const USER = 'hanako@console.example';
const USER_SHORT = 'Kiwi-Tree-2';   // 11 characters: one short of the new minimum
const USER_PASSWORD = 'Kiwi-Tree-29'; // exactly 12: the new minimum
const NEW_HIRE = 'new.hire@console.example';
const PREFIX = `${BASE}/t/${SLUG}`;
const LOGIN = `${PREFIX}/login`;
const HOME = `${PREFIX}/`;
const ADMIN_URL = `${PREFIX}/admin/`;
const USERS_URL = `${PREFIX}/admin/users`;
const INVITATIONS_URL = `${PREFIX}/admin/invitations`;
const POLICY_URL = `${PREFIX}/admin/policy`;
const AUDIT_URL = `${PREFIX}/admin/audit`;

const { fail, step, failures } = reporter('browser.console_');

// A policy field by its dotted JSON name ("password.min_length"): the ids
// hold dots, so attribute selectors.
const field = (key) => `[id="${key}"]`;
const row = (email) => `#users tr[data-email="${email}"]`;

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

async function badgeOf(page, email) {
	return text(page, `${row(email)} .badge`);
}

async function checkTabs(page, t, current) {
	const h1 = await text(page, 'h1');
	check(h1 === t.console, `heading "${h1}", expected "${t.console}"`);
	const tabs = (await page.locator('#admin-tabs a').allInnerTexts()).map((s) => s.trim());
	check(JSON.stringify(tabs) === JSON.stringify(t.tabs),
	      `tabs ${JSON.stringify(tabs)}, expected ${JSON.stringify(t.tabs)}`);
	const on = await text(page, '#admin-tabs a[aria-current="page"]');
	check(on === t.tabs[current], `current tab "${on}", expected "${t.tabs[current]}"`);
}

// The figure of one overview statistic (#stat-<id> dd) and its label.
async function stat(page, id) {
	return {
		label: await text(page, `#stat-${id} dt`),
		value: Number(await text(page, `#stat-${id} dd`)),
	};
}

async function apiStatus(page, email) {
	const u = await apiUser(page, SLUG, email);
	check(u, `GET users does not list ${email}`);
	return u;
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

	// 1a. The administrator accepts the invitation; the console opens on the
	// overview, whose figures count the two accounts.
	await step(state, 'overview_tab', async () => {
		const resp = await accept(admin, adminInvite, 'Console Admin', ADMIN_PASSWORD);
		check(resp.status() === 200 && admin.url() === HOME,
		      `acceptance: status ${resp.status()} at ${admin.url()}`);
		await goto(admin, ADMIN_URL);
		check(await admin.getAttribute('html', 'lang') === en.htmlLang, 'html lang is not en');
		await checkTabs(admin, en, 0);
		const h2 = await text(admin, '#accounts h2');
		check(h2 === en.accounts, `first section "${h2}", expected "${en.accounts}"`);
		for (const [id, label, value] of [['active', en.active, 1], ['invited', en.invited, 1],
			['suspended', en.suspended, 0]]) {
			const s = await stat(admin, id);
			check(s.label === label && s.value === value,
			      `#stat-${id} shows "${s.label}" ${s.value}, expected "${label}" ${value}`);
		}
		check(await admin.locator('#stat-signins-24h dd').count() === 1, 'no #stat-signins-24h');
		// The administrator's acceptance signed them in: one sign-in today.
		const s = await stat(admin, 'signins-24h');
		check(s.value >= 1, `#stat-signins-24h is ${s.value}`);
		check(await admin.locator('#recent-changes').count() === 1, 'no #recent-changes table');
		await shot(admin, 'console-en-0-overview.png');
	});

	// 1b. The users tab lists both, the administrator without actions on
	// themselves.
	await step(state, 'users_tab', async () => {
		await goto(admin, USERS_URL);
		await checkTabs(admin, en, 1);
		const rows = await admin.locator('#users tr[data-email]').count();
		check(rows === 2, `${rows} user rows, expected 2`);
		const a = await badgeOf(admin, ADMIN);
		check(a === en.active, `admin badge "${a}", expected "${en.active}"`);
		const you = await text(admin, `${row(ADMIN)} td:last-child`);
		check(you === en.you, `admin's own actions "${you}", expected only "${en.you}"`);
		const u = await badgeOf(admin, USER);
		check(u === en.invited, `user badge "${u}", expected "${en.invited}"`);
		check(await admin.locator(`${row(USER)} .badge.invited`).count() === 1,
		      'invited badge lacks class "invited"');
		await shot(admin, 'console-en-1-users.png');
		before = await apiGet(admin, SLUG, 'policy');
		check(before.password && before.session && before.ip, 'API policy lacks groups');
	});

	// 2a. Policy change through the form, shown after a reload and by the
	// API; the idle timeout is entered in hours and minutes.
	await step(state, 'policy_change', async () => {
		await goto(admin, POLICY_URL);
		check(await admin.locator('#policy').count() === 1, 'no #policy form');
		const lab = await text(admin, 'label[for="password.min_length"]');
		check(lab === en.minLengthLabel, `min_length label "${lab}", expected "${en.minLengthLabel}"`);
		const idle = before.session.idle_timeout_seconds;
		const h = await admin.inputValue(field('session.idle_timeout_seconds.h'));
		const m = await admin.inputValue(field('session.idle_timeout_seconds.m'));
		check(Number(h) * 3600 + Number(m) * 60 === idle,
		      `idle timeout shown as ${h} h ${m} min, the API says ${idle} s`);
		const units = await admin.locator('#policy .row.duration .unit').allInnerTexts();
		check(units.includes(en.hours) && units.includes(en.minutes),
		      `unit words ${JSON.stringify(units.slice(0, 4))}`);
		await admin.fill(field('password.min_length'), '12');
		await admin.selectOption(field('session.concurrent'), 'end_old');
		await admin.fill(field('session.idle_timeout_seconds.h'), '1');
		await admin.fill(field('session.idle_timeout_seconds.m'), '30');
		const allow = await admin.inputValue(field('ip.allow'));
		await admin.fill(field('ip.allow'), (allow.trim() ? allow.trim() + '\n' : '') + '127.0.0.0/8');
		const resp = await submit(admin, '#save');
		check(resp.status() === 200, `save: status ${resp.status()} at ${admin.url()}`);
		check(admin.url().startsWith(POLICY_URL), `save landed on ${admin.url()}`);
		const notice = await text(admin, '#notice');
		check(notice === en.policySaved, `notice "${notice}", expected "${en.policySaved}"`);
		check(await admin.locator('#error').count() === 0, 'an #error is shown after saving');
		await shot(admin, 'console-en-2-policy-saved.png');

		await goto(admin, POLICY_URL); // without ?done=
		const min = await admin.inputValue(field('password.min_length'));
		check(min === '12', `after reload min_length shows "${min}"`);
		const conc = await admin.inputValue(field('session.concurrent'));
		check(conc === 'end_old', `after reload concurrent shows "${conc}"`);
		const concLabel = (await admin.locator(`${field('session.concurrent')} option:checked`).innerText()).trim();
		check(concLabel === en.concEnd, `selected option "${concLabel}", expected "${en.concEnd}"`);
		const hm = [await admin.inputValue(field('session.idle_timeout_seconds.h')),
			await admin.inputValue(field('session.idle_timeout_seconds.m'))];
		check(hm[0] === '1' && hm[1] === '30', `after reload idle timeout shows ${hm.join(' h ')} min`);
		const ips = (await admin.inputValue(field('ip.allow'))).split('\n').map((s) => s.trim());
		check(ips.includes('127.0.0.0/8'), `after reload ip.allow shows ${JSON.stringify(ips)}`);
		// No JSON dump under the form any more: a pointer to the API instead.
		check(await admin.locator('#policy-json').count() === 0, 'the #policy-json dump is back');
		const hint = await text(admin, '#policy-api');
		check(hint.startsWith(en.policyApi) && hint.includes(`/t/${SLUG}/api/v1/policy`),
		      `#policy-api "${hint}"`);

		const p = await apiGet(admin, SLUG, 'policy');
		check(p.password.min_length === 12, `API min_length ${p.password.min_length}`);
		check(p.session.concurrent === 'end_old', `API concurrent ${p.session.concurrent}`);
		check(p.session.idle_timeout_seconds === 5400,
		      `API idle_timeout_seconds ${p.session.idle_timeout_seconds}, expected 5400`);
		check(Array.isArray(p.ip.allow) && p.ip.allow.includes('127.0.0.0/8'),
		      `API ip.allow ${JSON.stringify(p.ip.allow)}`);
		// Nothing else moved.
		for (const k of ['max_length', 'history', 'expiry_days', 'min_classes'])
			check(p.password[k] === before.password[k],
			      `API password.${k} changed from ${before.password[k]} to ${p.password[k]}`);
		check(p.lockout.max_failures === before.lockout.max_failures, 'lockout.max_failures changed');
		check(p.session.absolute_timeout_seconds === before.session.absolute_timeout_seconds,
		      'session.absolute_timeout_seconds changed');
	});

	// 2b. Several bad values are all refused at once, each named next to its
	// field and in the summary; the form keeps what was entered and nothing
	// is saved (not even the valid field submitted with them).
	await step(state, 'policy_bad_values', async () => {
		const good = await apiGet(admin, SLUG, 'policy');
		await goto(admin, POLICY_URL);
		await admin.fill(field('password.min_length'), '5');
		const history = good.password.history >= 24 ? 0 : good.password.history + 1;
		await admin.fill(field('password.history'), String(history));
		await admin.fill(field('session.idle_timeout_seconds.h'), 'two');
		await admin.fill(field('ip.allow'), '127.0.0.0/8\n10.0.0.300/8');
		await admin.fill(field('audit.timezone'), 'Asia/Atlantis');
		const resp = await submit(admin, '#save');
		check(resp.status() === 400, `status ${resp.status()}, expected 400`);
		const head = await text(admin, '#error p');
		check(head === en.policyInvalid, `error "${head}", expected "${en.policyInvalid}"`);
		const listed = (await admin.locator('#error li').allInnerTexts()).map((s) => s.trim());
		const want = [en.minLengthLabel, en.idleLabel, en.ipAllowLabel, en.timezoneLabel];
		check(JSON.stringify(listed) === JSON.stringify(want),
		      `the summary lists ${JSON.stringify(listed)}, expected ${JSON.stringify(want)}`);
		for (const [key, input, msg] of [
			['password.min_length', 'password.min_length', en.minLengthRange],
			['session.idle_timeout_seconds', 'session.idle_timeout_seconds.h', en.notNumber],
			['ip.allow', 'ip.allow', en.badEntry('10.0.0.300/8')],
			['audit.timezone', 'audit.timezone', en.refused],
		]) {
			const err = await text(admin, field(`${key}.error`));
			check(err === msg, `${key}: error "${err}", expected "${msg}"`);
			const inv = await admin.getAttribute(field(input), 'aria-invalid');
			check(inv === 'true', `${input}: aria-invalid="${inv}"`);
			const desc = await admin.getAttribute(field(input), 'aria-describedby') || '';
			check(desc.split(' ').includes(`${key}.error`), `${input}: aria-describedby="${desc}"`);
		}
		check(await admin.locator('.field-error').count() === 4,
		      `${await admin.locator('.field-error').count()} field errors, expected 4`);
		check(await admin.getAttribute(field('password.history'), 'aria-invalid') === null,
		      'password.history is marked invalid');
		const kept = {
			min: await admin.inputValue(field('password.min_length')),
			history: await admin.inputValue(field('password.history')),
			h: await admin.inputValue(field('session.idle_timeout_seconds.h')),
			allow: await admin.inputValue(field('ip.allow')),
			tz: await admin.inputValue(field('audit.timezone')),
		};
		check(kept.min === '5' && kept.history === String(history) && kept.h === 'two' &&
		      kept.allow.includes('10.0.0.300/8') && kept.tz === 'Asia/Atlantis',
		      `the form does not show what was entered: ${JSON.stringify(kept)}`);
		check(await admin.locator('#notice').count() === 0, 'a #notice is shown with the error');
		await shot(admin, 'console-en-3-policy-error.png');

		const p = await apiGet(admin, SLUG, 'policy');
		check(JSON.stringify(p) === JSON.stringify(good),
		      `the policy changed: ${JSON.stringify(p.password)}`);
		await goto(admin, POLICY_URL);
		const min = await admin.inputValue(field('password.min_length'));
		check(min === '12', `after the refusal min_length shows "${min}"`);
	});

	// 3. The policy holds for users: the rules are listed before the first
	// attempt; 11 characters fail, exactly 12 pass.
	await step(state, 'policy_holds_for_user', async () => {
		await goto(user, userInvite);
		const rule = await text(user, '#pw-rules li[data-pw-rule="length"]');
		check(rule === en.ruleLength12, `length rule "${rule}", expected "${en.ruleLength12}"`);
		check(await user.locator('#error').count() === 0, 'an #error before the first attempt');
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
		await goto(admin, USERS_URL);
		const b = await badgeOf(admin, USER);
		check(b === en.active, `user badge after acceptance "${b}", expected "${en.active}"`);
	});

	// 4a. The administrator's own page offers no role change (demoting
	// oneself would end one's own console), and the rule behind it holds:
	// the last active administrator cannot be made a user even by a
	// hand-made POST with the session's CSRF token.
	await step(state, 'role_own_page', async () => {
		await goto(admin, USERS_URL);
		await submit(admin, `${row(ADMIN)} a.user`);
		check(decodeURIComponent(new URL(admin.url()).pathname) === `/t/${SLUG}/admin/users/${ADMIN}`,
		      `the address leads to ${admin.url()}`);
		const facts = await admin.locator('#profile dl').innerText();
		check(facts.includes(en.admin), `the profile does not say "${en.admin}"`);
		check(await admin.locator('#role-form, #role-select').count() === 0,
		      'one\'s own page offers a role change');
		check(await admin.locator('#temp-password').count() === 0,
		      'one\'s own page offers a temporary password');
		await shot(admin, 'console-en-5-own-page.png');
		const csrf = await admin.locator('input[name="csrf"]').first().inputValue();
		const r = await admin.request.post(`${PREFIX}/admin/users/${encodeURIComponent(ADMIN)}/role`,
			{ form: { csrf, role: 'user' }, timeout: TIMEOUT });
		check(r.status() === 409, `POST role=user for the last administrator: status ${r.status()}, expected 409`);
		const body = await r.text();
		const esc = en.lastAdmin(ADMIN); // no character of it needs escaping
		check(body.includes(esc), `the refusal does not say "${esc}"`);
		const u = await apiStatus(admin, ADMIN);
		check(u.role === 'admin', `the administrator's role is now ${u.role}`);
	});

	// 4b. The role of another user is changed on their page: saved, shown,
	// told by the API and written to the user's history.
	await step(state, 'role_change', async () => {
		await goto(admin, USERS_URL);
		await submit(admin, `${row(USER)} a.user`);
		const userPage = admin.url();
		const h2 = await text(admin, '#profile h2');
		check(h2.startsWith(USER), `profile heading "${h2}"`);
		check(await admin.locator('#profile .badge.active').count() === 1, 'no active badge on the profile');
		check(await admin.locator('#user-sessions tr[data-session]').count() === 1,
		      'the user page does not list the one session of the user');
		check(await admin.inputValue('#role-select') === 'user', 'role select does not show user');
		await admin.selectOption('#role-select', 'admin');
		const resp = await submit(admin, '#role-save');
		check(resp.status() === 200, `status ${resp.status()} at ${admin.url()}`);
		const at = new URL(admin.url());
		check(decodeURIComponent(at.pathname) === decodeURIComponent(new URL(userPage).pathname) &&
		      at.searchParams.get('done') === 'role', `landed on ${admin.url()}, expected the user page`);
		const notice = await text(admin, '#notice');
		check(notice === en.roleSaved(USER), `notice "${notice}", expected "${en.roleSaved(USER)}"`);
		check(await admin.inputValue('#role-select') === 'admin', 'role select does not show admin');
		const facts = await admin.locator('#profile dl').innerText();
		check(facts.includes(en.admin), `the profile does not say "${en.admin}": ${facts.replace(/\s+/g, ' ')}`);
		const trail = (await admin.locator('#user-audit tr[data-seq]').allInnerTexts())
			.map((s) => s.replace(/\s+/g, ' '));
		check(trail.some((s) => s.includes(en.roleChanged(ADMIN, USER))),
		      `the history lacks "${en.roleChanged(ADMIN, USER)}"`);
		const u = await apiStatus(admin, USER);
		check(u.role === 'admin', `API role ${u.role}, expected admin`);
		await shot(admin, 'console-en-6-role-changed.png');
		// Back to a user for what follows.
		await admin.selectOption('#role-select', 'user');
		await submit(admin, '#role-save');
		check((await apiStatus(admin, USER)).role === 'user', 'the role did not go back to user');
	});

	// 5a. Suspend is a link to a confirmation page, which changes nothing.
	await step(state, 'suspend_confirm_page', async () => {
		await goto(admin, USERS_URL);
		// Nothing on the list acts on one click but unlock and resume.
		const posts = await admin.locator('#users form').evaluateAll((fs) => fs.map((f) => f.action));
		check(posts.every((a) => /\/(unlock|resume)$/.test(a)),
		      `forms posting at once: ${posts.filter((a) => !/\/(unlock|resume)$/.test(a)).join(', ')}`);
		const link = `${row(USER)} a.button.danger[data-action="suspend"]`;
		const label = await text(admin, link);
		check(label === en.suspend, `suspend link "${label}", expected "${en.suspend}"`);
		const resp = await submit(admin, link);
		check(resp.status() === 200, `status ${resp.status()} at ${admin.url()}`);
		const u = new URL(admin.url());
		check(u.pathname === `/t/${SLUG}/admin/users/${encodeURIComponent(USER)}/suspend`,
		      `the link leads to ${admin.url()}`);
		const h2 = await text(admin, '#confirm h2');
		check(h2 === en.confirmSuspend(USER), `heading "${h2}", expected "${en.confirmSuspend(USER)}"`);
		const what = await text(admin, '#consequence');
		check(what === en.suspendWhat(USER), `consequence "${what}"`);
		check(await text(admin, '#confirm-yes') === en.suspend, 'the confirm button is not "Suspend"');
		check(await text(admin, '#confirm-cancel') === en.cancel, 'the cancel link is not "Cancel"');
		check(await admin.locator('#confirm form input[name="csrf"]').count() === 1,
		      'the confirmation form has no CSRF field');
		await shot(admin, 'console-en-7-confirm-suspend.png');
		const s = await apiStatus(admin, USER);
		check(s.status === 'active', `after the confirmation page the user is ${s.status}`);
		// The user's session is still alive.
		await goto(user, HOME);
		check(user.url() === HOME, `the user's home went to ${user.url()}`);
	});

	// 5b. Cancel goes back to the list, with nothing changed.
	await step(state, 'suspend_cancel', async () => {
		const resp = await submit(admin, '#confirm-cancel');
		check(resp.status() === 200, `status ${resp.status()}`);
		check(admin.url() === USERS_URL, `Cancel led to ${admin.url()}, expected ${USERS_URL}`);
		check(await admin.locator('#notice').count() === 0, 'a notice after Cancel');
		const b = await badgeOf(admin, USER);
		check(b === en.active, `badge "${b}", expected "${en.active}"`);
		const s = await apiStatus(admin, USER);
		check(s.status === 'active', `after Cancel the user is ${s.status}`);
	});

	// 5c. Confirmed, the suspension happens.
	await step(state, 'suspend_user', async () => {
		await submit(admin, `${row(USER)} a[data-action="suspend"]`);
		const resp = await submit(admin, '#confirm-yes');
		check(resp.status() === 200, `status ${resp.status()} at ${admin.url()}`);
		check(admin.url().startsWith(`${USERS_URL}?done=suspended`), `landed on ${admin.url()}`);
		const notice = await text(admin, '#notice');
		check(notice === en.suspendedNotice(USER), `notice "${notice}"`);
		const b = await badgeOf(admin, USER);
		check(b === en.suspended, `badge "${b}", expected "${en.suspended}"`);
		check(await admin.locator(`${row(USER)} button[value="resume"]`).count() === 1, 'no resume button');
		check(await admin.locator(`${row(USER)} a[data-action="suspend"]`).count() === 0,
		      'suspend link still shown');
		const s = await apiStatus(admin, USER);
		check(s.status === 'suspended', `the API says ${s.status}`);
		await shot(admin, 'console-en-8-suspended.png');
	});

	// 5d. The user's open session ends: the next navigation goes to sign-in.
	await step(state, 'suspended_session_ends', async () => {
		await goto(user, HOME);
		check(user.url().startsWith(LOGIN), `home stayed at ${user.url()}`);
		const h1 = await text(user, 'h1');
		check(h1 === en.loginTitle, `heading "${h1}", expected "${en.loginTitle}"`);
		await shot(user, 'console-en-9-user-signed-out.png');
	});

	// 5e. The right password no longer signs in; the message is the generic one.
	await step(state, 'suspended_login_fails', async () => {
		await goto(user, LOGIN);
		await user.fill('#email', USER);
		await user.fill('#password', USER_PASSWORD);
		const resp = await submit(user, '#submit');
		check(resp.status() === 401, `status ${resp.status()}, expected 401`);
		check(user.url().startsWith(LOGIN), `moved to ${user.url()}`);
		const err = await text(user, '#error');
		check(err === en.loginFailed, `error "${err}", expected "${en.loginFailed}"`);
		await shot(user, 'console-en-10-suspended-login.png');
	});

	// 6a. The audit tab, filtered to the user actions, shows exactly the
	// events the API gives for that filter, the suspension among them as a
	// sentence; the CSV export of that view contains it.
	let csvHref;
	await step(state, 'audit_suspended', async () => {
		await goto(admin, AUDIT_URL);
		await admin.selectOption('#f-action', 'user');
		const resp = await submit(admin, '#audit-filter button[type="submit"]');
		check(resp.status() === 200, `filter: status ${resp.status()}`);
		const u = new URL(admin.url());
		check(u.pathname === `/t/${SLUG}/admin/audit` && u.searchParams.get('action') === 'user',
		      `filter landed on ${admin.url()}`);
		const seqs = await admin.locator('#audit tr[data-seq]')
			.evaluateAll((rs) => rs.map((r) => Number(r.dataset.seq)));
		const api = await apiGet(admin, SLUG, 'audit?action=user&limit=50');
		const want = api.events.map((e) => e.seq);
		check(seqs.length > 0 && JSON.stringify([...seqs].sort()) === JSON.stringify([...want].sort()),
		      `rows ${JSON.stringify(seqs)}, the API's user events ${JSON.stringify(want)}`);
		check(api.events.every((e) => e.action.startsWith('user.')),
		      `the API's action=user holds ${api.events.map((e) => e.action).join(', ')}`);
		const sentences = (await admin.locator('#audit tr[data-seq] td:nth-child(2)').allInnerTexts())
			.map((s) => s.replace(/\s+/g, ' ').trim());
		const hits = sentences.filter((s) => s.startsWith(en.suspendedSentence(ADMIN, USER)));
		check(hits.length === 1,
		      `${hits.length} rows say "${en.suspendedSentence(ADMIN, USER)}": ${sentences.slice(0, 3).join(' | ')}`);
		check(await text(admin, '#pager') !== '', 'empty #pager');
		const ex = await text(admin, '#export');
		check(ex === en.export, `export link "${ex}", expected "${en.export}"`);
		csvHref = await admin.getAttribute('#export', 'href');
		check(csvHref && csvHref.includes('audit.csv') && csvHref.includes('action=user'),
		      `export link ${csvHref} does not carry the filter`);
		await shot(admin, 'console-en-11-audit.png');
	});

	// 6b. The CSV: named after the tenant's date, times in the tenant's zone
	// with the offset plus a UTC column, only the filtered events.
	await step(state, 'audit_csv_export', async () => {
		const [download] = await Promise.all([
			admin.waitForEvent('download', { timeout: NAV_TIMEOUT }),
			admin.click('#export'),
		]);
		const name = download.suggestedFilename();
		check(new RegExp(`^audit-${SLUG}-\\d{4}-\\d{2}-\\d{2}\\.csv$`).test(name), `download named "${name}"`);
		const file = path.join(TMP, name);
		await download.saveAs(file);
		const csv = readFileSync(file, 'utf8');
		writeFileSync(path.join(OUT, 'console-en-audit.csv'), csv);
		const lines = csv.trim().split(/\r?\n/);
		check(lines[0] === 'seq,time,time_utc,actor,role,source_ip,action,target,result,detail',
		      `unexpected CSV header "${lines[0]}"`);
		check(lines.length >= 2, `${lines.length} CSV lines`);
		// seq, the times, actor, role, source_ip, action and target never hold a comma.
		const rows = lines.slice(1).map((l) => l.split(','));
		const acts = rows.map((c) => c[6]);
		check(acts.every((a) => a.startsWith('user.')),
		      `the CSV holds events outside the action=user filter: ${acts.filter((a) => !a.startsWith('user.')).join(', ')}`);
		const sus = rows.filter((c) => c[6] === 'user.suspended');
		check(sus.length === 1 && sus[0][7] === USER && sus[0][3] === ADMIN,
		      `user.suspended rows: ${JSON.stringify(sus)}`);
		// The policy's zone (Asia/Tokyo unless changed) is +09:00; the UTC
		// column names the same instant.
		const [local, utc] = [sus[0][1], sus[0][2]];
		check(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+09:00$/.test(local), `local time "${local}"`);
		// (time_utc is as stored, with fractions of a second.)
		check(/Z$/.test(utc) && Date.parse(local) === Date.parse(utc.replace(/\.\d+Z$/, 'Z')),
		      `UTC "${utc}" vs local "${local}"`);
		// The same link fetched with the session's cookies.
		const r = await admin.request.get(new URL(csvHref, BASE).href, { timeout: TIMEOUT });
		check(r.status() === 200, `GET ${csvHref}: status ${r.status()}`);
		check((r.headers()['content-type'] || '').startsWith('text/csv'),
		      `content type ${r.headers()['content-type']}`);
		check((await r.text()).includes('user.suspended'), 'the fetched CSV lacks user.suspended');
	});

	// 7. The console in Japanese, with the administrator's session.
	const jaCtx = await newContext(browser, 'ja', { storageState: await adminCtx.storageState() });
	const jp = await jaCtx.newPage();
	watch(jp, problems);
	const jstate = { broken: null };
	await step(jstate, 'japanese', async () => {
		await goto(jp, ADMIN_URL);
		check(await jp.getAttribute('html', 'lang') === ja.htmlLang, 'html lang is not ja');
		await checkTabs(jp, ja, 0);
		const h2 = await text(jp, '#accounts h2');
		check(h2 === ja.accounts, `first section "${h2}", expected "${ja.accounts}"`);
		const s = await stat(jp, 'suspended');
		check(s.label === ja.suspended && s.value === 1, `#stat-suspended "${s.label}" ${s.value}`);
		await shot(jp, 'console-ja-0-overview.png');

		await goto(jp, USERS_URL);
		const a = await badgeOf(jp, ADMIN);
		check(a === ja.active, `admin badge "${a}", expected "${ja.active}"`);
		const u = await badgeOf(jp, USER);
		check(u === ja.suspended, `user badge "${u}", expected "${ja.suspended}"`);
		const resume = await text(jp, `${row(USER)} button[value="resume"]`);
		check(resume === ja.resume, `resume button "${resume}", expected "${ja.resume}"`);
		await shot(jp, 'console-ja-1-users.png');

		await goto(jp, POLICY_URL);
		const lab = await text(jp, 'label[for="password.min_length"]');
		check(lab === ja.minLengthLabel, `min_length label "${lab}", expected "${ja.minLengthLabel}"`);
		const conc = (await jp.locator(`${field('session.concurrent')} option:checked`).innerText()).trim();
		check(conc === ja.concEnd, `concurrent option "${conc}", expected "${ja.concEnd}"`);
		const units = await jp.locator('#policy .row.duration .unit').allInnerTexts();
		check(units.includes(ja.hours) && units.includes(ja.minutes),
		      `unit words ${JSON.stringify(units.slice(0, 4))}`);
		await shot(jp, 'console-ja-2-policy.png');

		await goto(jp, `${AUDIT_URL}?action=user`);
		const btn = await text(jp, '#audit-filter button[type="submit"]');
		check(btn === ja.auditFilter, `filter button "${btn}", expected "${ja.auditFilter}"`);
		const ex = await text(jp, '#export');
		check(ex === ja.export, `export link "${ex}", expected "${ja.export}"`);
		const sentences = (await jp.locator('#audit tr[data-seq] td:nth-child(2)').allInnerTexts())
			.map((x) => x.replace(/\s+/g, ' ').trim());
		check(sentences.some((x) => x.startsWith(ja.suspendedSentence(ADMIN, USER))),
		      `no row says "${ja.suspendedSentence(ADMIN, USER)}"`);
		await shot(jp, 'console-ja-3-audit.png');
	});

	// 8a. Without a mail server, inviting shows the acceptance link once, on
	// the invitations tab; the link works.
	const istate = { broken: null };
	let link;
	await step(istate, 'invite_link', async () => {
		await goto(admin, USERS_URL);
		await admin.fill('#invite-email', NEW_HIRE);
		await admin.selectOption('#invite-role', 'user');
		const resp = await submit(admin, '#invite button[type="submit"]');
		check(resp.status() === 200, `status ${resp.status()} at ${admin.url()}`);
		await checkTabs(admin, en, 2);
		const said = await text(admin, '#invite-link p');
		check(said.startsWith(en.linkCreated(NEW_HIRE)), `"${said}" does not start with "${en.linkCreated(NEW_HIRE)}"`);
		check(await text(admin, 'label[for="invite-url"]') === en.linkLabel, 'the link has no label');
		check(await text(admin, '#invite-link .hint') === en.linkOnce, 'no "shown only now" hint');
		link = await admin.inputValue('#invite-url');
		check(link.startsWith(`${PREFIX}/invite/`), `#invite-url holds "${link}"`);
		check(await admin.getAttribute('#invite-url', 'readonly') !== null, '#invite-url is not read-only');
		check(await admin.locator('#invitations tr[data-invitation]', { hasText: NEW_HIRE }).count() === 1,
		      `the table does not list ${NEW_HIRE}`);
		await shot(admin, 'console-en-12-invitation-link.png');
		// Shown once: the tab itself does not show it again.
		await goto(admin, INVITATIONS_URL);
		check(await admin.locator('#invite-url').count() === 0, 'the link is shown again');
		const anon = await newContext(browser, 'en');
		try {
			const p = await anon.newPage();
			watch(p, problems);
			await goto(p, link);
			const h1 = await text(p, 'h1');
			check(h1 === en.inviteTitle, `the link opens "${h1}", expected "${en.inviteTitle}"`);
			const who = await text(p, '#invite-email');
			check(who === NEW_HIRE, `the link is for "${who}", expected ${NEW_HIRE}`);
			check(await p.locator('#pw-rules li').count() >= 2, 'no password rules before the first attempt');
		} finally {
			await anon.close().catch(() => {});
		}
	});

	// 8b. Revoke goes through a confirmation too; Cancel keeps the
	// invitation, confirming ends the link.
	await step(istate, 'revoke_invitation', async () => {
		const inv = () => admin.locator('#invitations tr[data-invitation]', { hasText: NEW_HIRE });
		await goto(admin, INVITATIONS_URL);
		const revoke = inv().locator('a.button.danger[data-action="revoke"]');
		check(await revoke.innerText() === en.revoke, `revoke link "${await revoke.innerText()}"`);
		await Promise.all([admin.waitForNavigation({ waitUntil: 'load' }), revoke.click()]);
		const h2 = await text(admin, '#confirm h2');
		check(h2 === en.confirmRevoke(NEW_HIRE), `heading "${h2}", expected "${en.confirmRevoke(NEW_HIRE)}"`);
		const what = await text(admin, '#consequence');
		check(what === en.revokeWhat(NEW_HIRE), `consequence "${what}"`);
		const listed = async () => (await apiGet(admin, SLUG, 'invitations')).some((i) => i.email === NEW_HIRE);
		check(await listed(), 'the confirmation page revoked the invitation');
		await submit(admin, '#confirm-cancel');
		check(admin.url() === INVITATIONS_URL, `Cancel led to ${admin.url()}`);
		check(await inv().count() === 1 && await listed(), 'Cancel revoked the invitation');
		await Promise.all([admin.waitForNavigation({ waitUntil: 'load' }),
			inv().locator('a[data-action="revoke"]').click()]);
		const resp = await submit(admin, '#confirm-yes');
		check(resp.status() === 200 && admin.url().startsWith(`${INVITATIONS_URL}?done=revoked`),
		      `confirming: status ${resp.status()} at ${admin.url()}`);
		const notice = await text(admin, '#notice');
		check(notice === en.revoked, `notice "${notice}", expected "${en.revoked}"`);
		check(await inv().count() === 0 && !(await listed()), 'the invitation is still listed');
		const r = await admin.request.get(link, { timeout: TIMEOUT });
		check(r.status() === 404 && (await r.text()).includes(en.inviteInvalid),
		      `the revoked link answers ${r.status()}`);
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
