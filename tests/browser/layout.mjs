// Browser test of the layout: every page of the administrator console, and
// the account pages around it, at 360 × 780 (a phone) and 1280 × 900 (a
// desktop), in English and in Japanese, with realistic data (long addresses
// and names, a Japanese display name, users in every state, open
// invitations, failed sign-ins, a policy change).  Each page, language and
// width is one test: a full-page screenshot console-<page>-<lang>-<width>.png
// and layoutProblems (lib.mjs): nothing reaches past the viewport's edges and
// no word in a table cell, heading, tab, button, badge or label is broken
// across lines.  All the problems found are also written to
// layout-problems.txt in the screenshot directory.
//
// Started by tests/browser/run, which owns the daemon.  Environment:
//   BROWSER_SEKISHO         the sekisho binary (used for `sekisho invite`)
//   SEKISHO_*               the daemon's configuration
//   BROWSER_BASE_URL        http://127.0.0.1:PORT
//   BROWSER_LAYOUT_TENANT   tenant slug for this test (its data and policy
//                           are changed, so it should not be shared)
//   BROWSER_OUT             screenshot directory
//   BROWSER_TMP             scratch directory
//   CHROMIUM                browser executable (default /usr/bin/chromium)
//
// Prints one line per test, `PASS browser.layout_<page>_<lang>_<width>` or
// `FAIL browser.layout_<...>: the first problems`; exits 1 when any failed.

import { chromium } from 'playwright-core';
import { BASE, BIN, CHROMIUM, CHROMIUM_ARGS, NAV_TIMEOUT, OUT, TMP, accept, apiUser, check, env,
	goto, invite, layoutProblems, reporter, requireEnv, shot, submit, watch } from './lib.mjs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const SLUG = env.BROWSER_LAYOUT_TENANT;

requireEnv('browser.layout_', { BROWSER_SEKISHO: BIN, BROWSER_BASE_URL: BASE,
	BROWSER_LAYOUT_TENANT: SLUG, BROWSER_OUT: OUT, BROWSER_TMP: TMP });

const LANGS = {
	en: { locale: 'en-US', acceptLanguage: 'en-US,en;q=0.9' },
	ja: { locale: 'ja-JP', acceptLanguage: 'ja' },
};
const SIZES = [{ width: 360, height: 780 }, { width: 1280, height: 900 }];

const DOMAIN = 'northwind-trading.example.com';
const PREFIX = `${BASE}/t/${SLUG}`;
// Everyone the data holds; `password` marks who accepts their invitation.
const ADMIN = { email: `margaret.hamilton-richardson@${DOMAIN}`, role: 'admin',
	name: 'Margaret Hamilton-Richardson', password: 'Lantern-Orchard-4817' };
const PHONE_USER = { email: `takahashi.kenichiro@${DOMAIN}`, role: 'user',
	name: '高橋 健一郎', password: 'Sakura-Fubuki-7263' };
const TO_SUSPEND = { email: `christopher.montgomery@${DOMAIN}`, role: 'user',
	name: 'Christopher Alexander Montgomery', password: 'Granite-Harbour-5529' };
const TO_LOCK = { email: `yamamoto.sakura@${DOMAIN}`, role: 'user',
	name: '山本 さくら', password: 'Kawa-Nagare-3391' };
const ACTIVE = { email: `anne-marie.fitzgerald@${DOMAIN}`, role: 'user',
	name: 'Anne-Marie Fitzgerald-Oyelaran', password: 'Copper-Meadow-8142' };
const INVITED_ADMIN = { email: `it-operations.helpdesk@${DOMAIN}`, role: 'admin' };
const INVITED = { email: 'external.consultant@partner-consulting.example.org', role: 'user' };
const PEOPLE = [ADMIN, PHONE_USER, TO_SUSPEND, TO_LOCK, ACTIVE, INVITED_ADMIN, INVITED];
// Applications behind the gateway: a long path, a port, a Japanese name.
const APPS = [
	{ name: '社内ポータル (Intranet portal)', roles: ['user', 'admin'],
		url: `https://intranet.${DOMAIN}/portal/departments/finance-and-accounting/quarterly-reports` },
	{ name: 'Grafana — production metrics and alerting', roles: ['admin'],
		url: `https://metrics.${DOMAIN}:8443/grafana` },
];
// SAML service providers, registered through the console's form with the
// metadata mod_auth_mellon makes: a long entity ID and a Japanese name; the
// second without an encryption key.
const SPS = [
	{ name: '経費精算システム (Expense reports — production)',
		entity: `https://expenses.${DOMAIN}/mellon/metadata/production-environment` },
	{ name: 'Wiki', entity: `https://wiki.${DOMAIN}/saml`, plain: true },
];
const PHONE_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 ' +
	'(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

const { pass, fail, step, failures } = reporter('browser.layout_');
const found = []; // every problem, for layout-problems.txt

const userRow = (email) => `#users tr[data-email="${email}"]`;

// ---- the data ----

async function setup(browser, state) {
	const urls = {};
	let adminCtx;

	await step(state, 'setup_invitations', async () => {
		for (const p of PEOPLE)
			urls[p.email] = invite(SLUG, p.email, p.role);
	});

	// The administrator accepts in a desktop browser; the others in theirs
	// (the first in a phone, which its session on the user page shows).
	await step(state, 'setup_accept', async () => {
		adminCtx = await browser.newContext({ locale: 'en-US', viewport: SIZES[1],
			extraHTTPHeaders: { 'Accept-Language': LANGS.en.acceptLanguage } });
		const admin = await adminCtx.newPage();
		watch(admin, state.problems);
		let resp = await accept(admin, urls[ADMIN.email], ADMIN.name, ADMIN.password);
		check(resp.status() === 200 && admin.url() === `${PREFIX}/`,
		      `administrator's acceptance: status ${resp.status()} at ${admin.url()}`);
		const phone = await browser.newContext({ locale: 'ja-JP', userAgent: PHONE_UA,
			viewport: { width: 390, height: 844 }, extraHTTPHeaders: { 'Accept-Language': 'ja' } });
		const others = await browser.newContext({ locale: 'en-US' });
		try {
			for (const [ctx, p] of [[phone, PHONE_USER], [others, TO_SUSPEND], [others, TO_LOCK],
				[others, ACTIVE]]) {
				await ctx.clearCookies();
				const page = await ctx.newPage();
				watch(page, state.problems);
				resp = await accept(page, urls[p.email], p.name, p.password);
				check(resp.status() === 200 && page.url() === `${PREFIX}/`,
				      `acceptance by ${p.email}: status ${resp.status()} at ${page.url()}`);
				await page.close();
			}
		} finally {
			await phone.close().catch(() => {});
			await others.close().catch(() => {});
		}
		state.admin = admin;
	});

	// A policy change in the console (an audit event listing the fields that
	// changed; password expiry adds the expiry figures to the overview).
	await step(state, 'setup_policy', async () => {
		const page = state.admin;
		await goto(page, `${PREFIX}/admin/policy`);
		await page.fill('[id="lockout.max_failures"]', '3');
		await page.fill('[id="password.expiry_days"]', '90');
		await page.fill('[id="password.history"]', '5');
		await page.fill('[id="session.idle_timeout_seconds.h"]', '1');
		await page.fill('[id="session.idle_timeout_seconds.m"]', '30');
		const resp = await submit(page, '#save');
		check(resp.status() === 200 && (await page.locator('#notice').count()) === 1,
		      `saving the policy: status ${resp.status()} at ${page.url()}`);
	});

	// Three wrong passwords lock an account; one more fails for an address
	// that has none.
	await step(state, 'setup_locked', async () => {
		const ctx = await browser.newContext({ locale: 'en-US' });
		try {
			const page = await ctx.newPage();
			watch(page, state.problems);
			for (const email of [TO_LOCK.email, TO_LOCK.email, TO_LOCK.email,
				`former.employee@${DOMAIN}`]) {
				await goto(page, `${PREFIX}/login`);
				await page.fill('#email', email);
				await page.fill('#password', 'Not-The-Password-1');
				const resp = await submit(page, '#submit');
				check(resp.status() === 401, `wrong password for ${email}: status ${resp.status()}`);
			}
		} finally {
			await ctx.close().catch(() => {});
		}
		const u = await apiUser(state.admin, SLUG, TO_LOCK.email);
		check(u && u.status === 'locked', `${TO_LOCK.email} is ${u && u.status}, expected locked`);
	});

	// A role change on the user's page, then a suspension (confirmed).
	await step(state, 'setup_suspended', async () => {
		const page = state.admin;
		await goto(page, `${PREFIX}/admin/users`);
		await submit(page, `${userRow(TO_SUSPEND.email)} a.user`);
		await page.selectOption('#role-select', 'admin');
		let resp = await submit(page, '#role-save');
		check(resp.status() === 200, `role change: status ${resp.status()}`);
		await goto(page, `${PREFIX}/admin/users`);
		await submit(page, `${userRow(TO_SUSPEND.email)} a[data-action="suspend"]`);
		resp = await submit(page, '#confirm-yes');
		check(resp.status() === 200, `suspension: status ${resp.status()}`);
		const u = await apiUser(page, SLUG, TO_SUSPEND.email);
		check(u && u.status === 'suspended' && u.role === 'admin',
		      `${TO_SUSPEND.email} is ${u && u.status} ${u && u.role}, expected a suspended admin`);
	});

	// The applications, registered through the console's form.
	await step(state, 'setup_apps', async () => {
		const page = state.admin;
		for (const a of APPS) {
			await goto(page, `${PREFIX}/admin/apps`);
			await page.fill('#app-name', a.name);
			await page.fill('#app-url', a.url);
			for (const role of ['user', 'admin'])
				await page.setChecked(`#app-role-${role}`, a.roles.includes(role));
			const resp = await submit(page, '#add-app-submit');
			check(resp.status() === 200 && (await page.locator('#notice').count()) === 1,
			      `adding ${a.name}: status ${resp.status()} at ${page.url()}`);
		}
		const rows = await page.locator('#apps tr[data-app]').count();
		check(rows === APPS.length, `${rows} apps listed, expected ${APPS.length}`);
	});

	// SAML: a next key beside the active one, and the service providers.
	await step(state, 'setup_saml', async () => {
		const page = state.admin;
		await goto(page, `${PREFIX}/admin/saml`);
		await page.selectOption('#key-bits', '3072');
		let resp = await submit(page, '#key-create');
		check(resp.status() === 200 && (await page.locator('#notice').count()) === 1,
		      `creating the next key: status ${resp.status()} at ${page.url()}`);
		for (const sp of SPS) {
			await goto(page, `${PREFIX}/admin/saml`);
			await page.fill('#sp-name', sp.name);
			await page.fill('#sp-metadata', spMetadata(sp.entity, sp.plain));
			resp = await submit(page, '#add-sp-submit');
			check(resp.status() === 200 && (await page.locator('#notice').count()) === 1,
			      `registering ${sp.name}: status ${resp.status()} at ${page.url()}`);
		}
		const keys = await page.locator('#keys tr[data-key]').count();
		const sps = await page.locator('#sps tr[data-sp]').count();
		check(keys === 2 && sps === SPS.length, `${keys} keys and ${sps} service providers listed`);
	});
	return { urls, adminCtx };
}

// The metadata mellon_create_metadata makes for entity (without its
// encryption key when plain).
function spMetadata(entity, plain) {
	const dir = mkdtempSync(path.join(TMP, 'mellon-'));
	execFileSync('mellon_create_metadata', [entity, `${entity}/endpoint`], { cwd: dir, stdio: 'ignore' });
	const xml = readFileSync(path.join(dir, readdirSync(dir).find((f) => f.endsWith('.xml'))), 'utf8');
	return plain ? xml.replace(/<KeyDescriptor use="encryption">[\s\S]*?<\/KeyDescriptor>\s*/, '') : xml;
}

// ---- the pass ----

// One page, language and width: how to reach the page (go), then the
// screenshot and the layout check.
async function visit(page, key, lang, size, go) {
	const test = `${key.replace(/-/g, '_')}_${lang}_${size.width}`;
	try {
		await go();
		await shot(page, `console-${key}-${lang}-${size.width}.png`);
		const problems = await layoutProblems(page);
		for (const p of problems)
			found.push(`${key} ${lang} ${size.width}: ${p}`);
		const more = problems.length > 4 ? ` (and ${problems.length - 4} more)` : '';
		check(problems.length === 0, `${problems.slice(0, 4).join('; ')}${more}`);
		pass(test);
	} catch (e) {
		fail(test, e);
	}
}

async function pass_(browser, storage, urls, problems) {
	for (const lang of Object.keys(LANGS)) {
		const t = LANGS[lang];
		const opts = { locale: t.locale, extraHTTPHeaders: { 'Accept-Language': t.acceptLanguage } };
		const adminCtx = await browser.newContext({ ...opts, storageState: storage });
		const anonCtx = await browser.newContext(opts);
		const admin = await adminCtx.newPage();
		const anon = await anonCtx.newPage();
		watch(admin, problems);
		watch(anon, problems);
		try {
			for (const size of SIZES) {
				await admin.setViewportSize(size);
				await anon.setViewportSize(size);
				const console_ = (p) => `${PREFIX}/admin/${p}`;
				await visit(admin, 'overview', lang, size, () => goto(admin, console_('')));
				await visit(admin, 'users', lang, size, () => goto(admin, console_('users')));
				await visit(admin, 'user', lang, size, async () => {
					await goto(admin, console_('users'));
					const r = await submit(admin, `${userRow(PHONE_USER.email)} a.user`);
					check(r.status() === 200, `user page: status ${r.status()}`);
					check(await admin.locator('#user-sessions tr[data-session]').count() >= 1,
					      'the user page lists no session');
				});
				await visit(admin, 'confirm-suspend', lang, size, async () => {
					await goto(admin, console_('users'));
					const r = await submit(admin, `${userRow(PHONE_USER.email)} a[data-action="suspend"]`);
					check(r.status() === 200 && await admin.locator('#confirm').count() === 1,
					      `confirmation page: status ${r.status()} at ${admin.url()}`);
				});
				await visit(admin, 'invitations', lang, size, () => goto(admin, console_('invitations')));
				await visit(admin, 'invitation-link', lang, size, async () => {
					await goto(admin, console_('invitations'));
					const row = admin.locator('#invitations tr[data-invitation]', { hasText: INVITED.email });
					check(await row.count() === 1, `${await row.count()} invitation rows for ${INVITED.email}`);
					const [r] = await Promise.all([
						admin.waitForNavigation({ waitUntil: 'load', timeout: NAV_TIMEOUT }),
						row.locator('button[data-action="resend"]').click(),
					]);
					check(r && r.status() === 200, `re-send: status ${r && r.status()}`);
					const link = await admin.inputValue('#invite-url');
					check(link.startsWith(`${PREFIX}/invite/`), `#invite-url holds "${link}"`);
				});
				await visit(admin, 'policy', lang, size, () => goto(admin, console_('policy')));
				await visit(admin, 'policy-errors', lang, size, async () => {
					await goto(admin, console_('policy'));
					await admin.fill('[id="password.min_length"]', '5');
					await admin.fill('[id="session.idle_timeout_seconds.h"]', 'two');
					await admin.fill('[id="ip.allow"]', '10.20.0.0/16\n192.168.300.0/24');
					await admin.fill('[id="audit.timezone"]', 'Asia/Atlantis');
					const r = await submit(admin, '#save');
					check(r.status() === 400, `refused save: status ${r.status()}, expected 400`);
					const bad = await admin.locator('.field-error').count();
					check(bad === 4, `${bad} fields marked bad, expected 4`);
				});
				await visit(admin, 'audit', lang, size, () => goto(admin, console_('audit')));
				await visit(admin, 'client-cas', lang, size, () => goto(admin, console_('client-cas')));
				await visit(admin, 'apps', lang, size, () => goto(admin, console_('apps')));
				await visit(admin, 'apps-errors', lang, size, async () => {
					// What the browser lets through but the server refuses.
					await goto(admin, console_('apps'));
					await admin.fill('#app-name', '   ');
					await admin.fill('#app-url', `https://helpdesk@support.${DOMAIN}/tickets?queue=all`);
					await admin.setChecked('#app-role-user', false);
					await admin.setChecked('#app-role-admin', false);
					const r = await submit(admin, '#add-app-submit');
					check(r.status() === 400, `refused app: status ${r.status()}, expected 400`);
					const bad = await admin.locator('.field-error').count();
					check(bad === 3, `${bad} fields marked bad, expected 3`);
				});
				await visit(admin, 'confirm-app', lang, size, async () => {
					await goto(admin, console_('apps'));
					const r = await submit(admin, '#apps tr[data-app] a[data-action="delete-app"]');
					check(r.status() === 200 && await admin.locator('#confirm').count() === 1,
					      `confirmation page: status ${r.status()} at ${admin.url()}`);
				});
				await visit(admin, 'saml', lang, size, () => goto(admin, console_('saml')));
				await visit(admin, 'saml-errors', lang, size, async () => {
					// A name the server refuses and what is not metadata.
					await goto(admin, console_('saml'));
					await admin.fill('#sp-name', 'Reports\u202eevil');
					await admin.fill('#sp-metadata', '<EntityDescriptor entityID="https://x.example/">');
					const r = await submit(admin, '#add-sp-submit');
					check(r.status() === 400, `refused service provider: status ${r.status()}, expected 400`);
					const bad = await admin.locator('.field-error').count();
					check(bad === 2, `${bad} fields marked bad, expected 2`);
				});
				await visit(admin, 'saml-sp', lang, size, async () => {
					await goto(admin, console_('saml'));
					const r = await submit(admin, '#sps tr[data-sp] a[data-action="sp-settings"]');
					check(r.status() === 200 && await admin.locator('#sp-settings').count() === 1,
					      `service provider page: status ${r.status()} at ${admin.url()}`);
				});
				await visit(admin, 'saml-sp-errors', lang, size, async () => {
					await goto(admin, console_('saml'));
					await submit(admin, '#sps tr[data-sp] a[data-action="sp-settings"]');
					await admin.fill('#sp-name', '   ');
					await admin.setChecked('#sp-role-user', false);
					await admin.setChecked('#sp-role-admin', false);
					const r = await submit(admin, '#sp-save');
					check(r.status() === 400, `refused settings: status ${r.status()}, expected 400`);
					const bad = await admin.locator('.field-error').count();
					check(bad === 2, `${bad} fields marked bad, expected 2`);
				});
				await visit(admin, 'confirm-saml-key', lang, size, async () => {
					await goto(admin, console_('saml'));
					const r = await submit(admin, '#keys tr[data-key] a[data-action="delete-key"]');
					check(r.status() === 200 && await admin.locator('#confirm').count() === 1,
					      `confirmation page: status ${r.status()} at ${admin.url()}`);
				});
				await visit(admin, 'confirm-sp', lang, size, async () => {
					await goto(admin, console_('saml'));
					const r = await submit(admin, '#sps tr[data-sp] a[data-action="delete-sp"]');
					check(r.status() === 200 && await admin.locator('#confirm').count() === 1,
					      `confirmation page: status ${r.status()} at ${admin.url()}`);
				});
				await visit(admin, 'home', lang, size, () => goto(admin, `${PREFIX}/`));
				await visit(admin, 'password', lang, size, () => goto(admin, `${PREFIX}/password`));
				await visit(anon, 'root', lang, size, () => goto(anon, `${BASE}/`));
				await visit(anon, 'login', lang, size, () => goto(anon, `${PREFIX}/login`));
				await visit(anon, 'invitation', lang, size, () => goto(anon, urls[INVITED_ADMIN.email]));
			}
		} finally {
			await adminCtx.close().catch(() => {});
			await anonCtx.close().catch(() => {});
		}
	}
}

async function run(browser) {
	const state = { broken: null, problems: [] };
	const { urls, adminCtx } = await setup(browser, state);
	if (state.broken) {
		await adminCtx?.close().catch(() => {});
		return;
	}
	const storage = await adminCtx.storageState();
	await adminCtx.close().catch(() => {});
	await pass_(browser, storage, urls, state.problems);
	writeFileSync(path.join(OUT, 'layout-problems.txt'), found.join('\n') + (found.length ? '\n' : ''));
	// Every page loaded its stylesheet, and no console errors (a CSP
	// violation would show up here).
	await step({ broken: null }, 'no_page_errors', async () => {
		check(state.problems.length === 0, state.problems.slice(0, 3).join('; '));
	});
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
