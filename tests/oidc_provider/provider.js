// A certified OpenID Connect provider (panva/oidc-provider) for the softtoken tests,
// shaped like ThaID: a confidential client, claims disclosed by scope (pid, names in
// Thai and English), acr values that name an identity assurance level.
//
// Usage: node provider.js < settings.json
//   settings: {port (0 = any free one), keys: [private JWKs, the first signs],
//              clients: [client metadata], accounts: {id: {password, acr, claims}},
//              acrValues: [...], codeTtl: seconds, idTokenClaims: bool}
// Prints one line "listening <port>" when ready. The login and consent pages are
// plain HTML forms (login: accountId + password; consent: confirm or cancel), so a test
// walks them with any HTTP user agent.
import http from 'node:http';
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const settings = JSON.parse(readFileSync(0, 'utf8'));

const server = http.createServer();
await new Promise((resolve) => server.listen(settings.port || 0, '127.0.0.1', resolve));
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;

const scopeClaims = {
  openid: ['sub'],
  pid: ['pid'],
  given_name: ['given_name'],
  family_name: ['family_name'],
  given_name_en: ['given_name_en'],
  family_name_en: ['family_name_en'],
};

const provider = new Provider(issuer, {
  clients: settings.clients,
  jwks: { keys: settings.keys },
  acrValues: settings.acrValues,
  claims: scopeClaims,
  scopes: Object.keys(scopeClaims),
  conformIdTokenClaims: !settings.idTokenClaims,
  cookies: { keys: ['softtoken-test-cookie-key'] },
  features: { devInteractions: { enabled: false }, userinfo: { enabled: true } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: {
    AuthorizationCode: settings.codeTtl || 60,
    IdToken: 600,
    AccessToken: 600,
    Interaction: 600,
    Session: 600,
    Grant: 600,
  },
  async findAccount(ctx, id) {
    const account = settings.accounts[id];
    if (!account) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...account.claims }) };
  },
});

function page(title, body) {
  return `<!doctype html><html><head><title>${title}</title></head><body>${body}</body></html>`;
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(Object.fromEntries(new URLSearchParams(data))));
    req.on('error', reject);
  });
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  const prompt = details.prompt.name;
  if (req.method === 'GET') {
    const cancel = `<form method="post" action="/interaction/${uid}/abort"><button>cancel</button></form>`;
    const body = prompt === 'login'
      ? `<form method="post" action="/interaction/${uid}/login">
           <input name="login"><input name="password" type="password"><button>sign in</button>
         </form>${cancel}`
      : `<form method="post" action="/interaction/${uid}/confirm"><button>allow</button></form>${cancel}`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page(prompt, body));
    return;
  }
  const form = await readForm(req);
  let result;
  if (action === 'abort') {
    result = { error: 'access_denied', error_description: 'the person cancelled' };
  } else if (action === 'login' && prompt === 'login') {
    const account = settings.accounts[form.login];
    if (!account || account.password !== form.password) {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('wrong login');
      return;
    }
    result = { login: { accountId: form.login, acr: account.acr, amr: ['pwd'] } };
  } else if (action === 'confirm' && prompt === 'consent') {
    const { params, session, grantId } = details;
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const missing = details.prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    result = { consent: { grantId: await grant.save() } };
  } else {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end('unexpected step');
    return;
  }
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}

const handle = provider.callback();
server.on('request', (req, res) => {
  const match = /^\/interaction\/([^/?]+)(?:\/(login|confirm|abort))?/.exec(req.url);
  if (!match) {
    handle(req, res);
    return;
  }
  interaction(req, res, match[1], match[2]).catch((error) => {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(error));
  });
});

process.stdout.write(`listening ${port}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
