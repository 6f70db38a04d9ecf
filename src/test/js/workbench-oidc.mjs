// "Sign in with <provider>" in real headless Chromium: the page (on a node with auth.local=false)
// offers only the provider's button; a click goes through the provider's authorization endpoint
// (authorization code with PKCE) and back, the page exchanges the code for a session and opens the
// workbench as the provider's user, and the code is gone from the address bar.
// Env: PORT, CHROMIUM, FAILSHOTS, SHOTS. Prints "ok" when every check passed.
import { checkErrors, errors, fail, launch, page, report, step } from './pages.mjs';

const { PORT, SHOTS } = process.env;
const base = `http://127.0.0.1:${PORT}`;
setTimeout(() => report('timed out', 'oidc'), 60000);

async function main() {
  const browser = await launch();
  const tab = await page(browser, 'A', `${base}/`);

  step('the sign-in offers the provider and no password form (auth.local=false)');
  const button = await tab.waitForSelector('button.provider-signin');
  if ((await button.textContent()) !== 'Sign in with Test IdP') fail(`the button says ${await button.textContent()}`);
  await tab.waitForFunction(() => document.body.dataset.ready === 'true');
  if (await tab.$('input[name=password]')) fail('the password form is shown although local sign-in is off');
  if (SHOTS) await tab.screenshot({ path: `${SHOTS}/oidc-signin.png` });

  step('a click goes through the provider and back into the workbench as carol');
  await button.click();
  await tab.waitForFunction(() => window.workbench !== undefined
    || document.querySelector('.form-status')?.textContent).catch(() => {});
  const said = await tab.evaluate(() => document.querySelector('.form-status')?.textContent);
  if (said) fail(`the sign-in said: ${said} (at ${tab.url()})`);
  await tab.waitForFunction(() => window.workbench !== undefined)
    .catch(async () => fail(`no workbench at ${tab.url()}: ${await tab.evaluate(() => document.body.innerText)}; ${errors.join("; ")}`));
  const session = await tab.evaluate(() => JSON.parse(sessionStorage.getItem('branchwork.session')));
  if (session?.user !== 'carol') fail(`signed in as ${session?.user}`);
  if (tab.url().includes('code=')) fail(`the code stayed in the address: ${tab.url()}`);
  const left = await tab.evaluate(() => sessionStorage.getItem('branchwork.oidc'));
  if (left) fail('the PKCE verifier outlived the sign-in');
  await tab.waitForFunction(() => document.body.innerText.includes('carol'));
  if (SHOTS) await tab.screenshot({ path: `${SHOTS}/oidc-workbench.png` });
  checkErrors();
  await browser.close();
  console.log('ok');
  process.exit(0);
}

main().catch((e) => report(e, 'oidc'));
