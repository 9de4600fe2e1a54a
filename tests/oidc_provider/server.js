// A local OpenID provider configured like gov.br's Login Único, for the portal's tests and
// development only (never production). Built on oidc-provider (certified OpenID Connect).
//
//   node server.js CONFIG.json
//
// CONFIG.json: {"host": "127.0.0.1", "port": 0,
//               "clients": [{"client_id", "client_secret", "redirect_uris": [...],
//                            "post_logout_redirect_uris": [...]}],
//               "identities": {"<CPF>": {"password", "name", "email", "email_verified",
//                                        "level": "bronze" | "prata" | "ouro"}}}
// Port 0 picks a free one. Once listening, one JSON line goes to stdout: {"issuer": "..."}.
//
// Like gov.br: discovery, JWKS (an RSA key made at start), authorization code with PKCE (S256)
// required, `sub` = CPF, `email`, `email_verified` and `name` in the ID token, RP-initiated
// logout (end_session_endpoint), and the confiabilidade levels at gov.br's API path
// GET /confiabilidades/v3/contas/{cpf}/niveis?response-type=ids (Bearer access token with the
// scope govbr_confiabilidades) → [{"id": "1"|"2"|"3", "dataAtualizacao": "..."}]
// (1 bronze, 2 prata, 3 ouro).
//
// Interactions: a minimal login page (CPF and password, checked against CONFIG's identities)
// and a consent page ("Autorizar"), both plain HTML forms.
//
// Test-only relaxation: with "loopback_any_port": true on a client, a redirect or post-logout
// URI on 127.0.0.1/localhost matches whatever its port (live test servers pick free ports).
// A client may carry "backchannel_logout_uri" (back-channel logout, sid required).

import { generateKeyPairSync, randomBytes, randomUUID, webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

// Node 18 (Debian 12's own nodejs) has WebCrypto only under node:crypto; jose wants it global.
globalThis.crypto ??= webcrypto;
const { default: Provider } = await import('oidc-provider');

const LEVEL_IDS = { bronze: '1', prata: '2', ouro: '3' };
const SCOPES = ['openid', 'email', 'profile', 'govbr_confiabilidades'];

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const identities = config.identities || {};
const host = config.host || '127.0.0.1';

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!doctype html><html lang="pt-BR"><head><meta charset="utf-8"><title>${escape(title)}</title>`
    + `</head><body><h1>Provedor gov.br de teste</h1><h2>${escape(title)}</h2>${body}</body></html>`;
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, html) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(html);
}

function loopbackMatch(value, allowed) {
  let wanted;
  try {
    wanted = new URL(value);
  } catch {
    return false;
  }
  if (!['127.0.0.1', 'localhost'].includes(wanted.hostname)) return false;
  return allowed.some((uri) => {
    const known = new URL(uri);
    return ['127.0.0.1', 'localhost'].includes(known.hostname)
      && known.protocol === wanted.protocol && known.pathname === wanted.pathname;
  });
}

const server = createServer();
server.listen(config.port || 0, host, () => {
  const issuer = `http://${host}:${server.address().port}`;
  const clients = (config.clients || []).map(({ loopback_any_port: _, ...client }) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...client,
  }));
  const looseClients = new Set(
    (config.clients || []).filter((c) => c.loopback_any_port).map((c) => c.client_id),
  );

  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [signingKey()] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    scopes: SCOPES,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    // gov.br puts the person's claims in the ID token itself.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      // Back-channel logout: a client with backchannel_logout_uri is told (a signed logout
      // token with sid and sub) when the person's session here ends.
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.body = page('Sair', `${form}<p>Sair da sua conta gov.br neste navegador?</p>
            <button type="submit" form="op.logoutForm" name="logout" value="yes">Sair do gov.br</button>`);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.body = page('Sair', '<p>Você saiu da sua conta gov.br.</p>');
        },
      },
    },
    findAccount: async (ctx, id) => {
      const person = identities[id];
      if (!person) return undefined;
      return {
        accountId: id,
        claims: async () => ({
          sub: id,
          name: person.name,
          email: person.email,
          email_verified: person.email_verified !== false,
        }),
      };
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { Session: 3600, Interaction: 600, Grant: 3600 },
    // Test-only: the portal listens on 127.0.0.1, which oidc-provider's SSRF guard (a
    // dispatcher refusing special-use addresses) would refuse for back-channel logout.
    fetch: (url, options) => {
      const { dispatcher: _, ...rest } = options;
      return globalThis.fetch(url, rest);
    },
  });
  provider.proxy = false;

  const { Client } = provider;
  const allowed = Client.prototype.redirectUriAllowed;
  const allowedLogout = Client.prototype.postLogoutRedirectUriAllowed;
  Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
    return allowed.call(this, value)
      || (looseClients.has(this.clientId) && loopbackMatch(value, this.redirectUris));
  };
  Client.prototype.postLogoutRedirectUriAllowed = function postLogoutAllowed(value) {
    return allowedLogout.call(this, value) || (looseClients.has(this.clientId)
      && loopbackMatch(value, this.postLogoutRedirectUris || []));
  };

  provider.on('backchannel.error', (ctx, error, client) => {
    console.error(`backchannel logout to ${client.clientId} failed: ${error.message}`);
  });
  provider.on('server_error', (ctx, error) => console.error(error));

  const callback = provider.callback();

  async function levels(req, res, cpf) {
    const auth = req.headers.authorization || '';
    const token = auth.startsWith('Bearer ') && await provider.AccessToken.find(auth.slice(7));
    const scopes = token ? String(token.scope || '').split(' ') : [];
    if (!token || token.accountId !== cpf || !scopes.includes('govbr_confiabilidades')) {
      res.writeHead(token ? 403 : 401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: token ? 'forbidden' : 'invalid_token' }));
      return;
    }
    const level = identities[cpf]?.level || 'bronze';
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify([{ id: LEVEL_IDS[level], dataAtualizacao: new Date().toISOString() }]));
  }

  async function interaction(req, res, uid, action) {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) {
      send(res, 400, page('Erro', '<p>Interação inválida.</p>'));
      return;
    }
    const { prompt, params, session } = details;
    if (req.method === 'GET') {
      if (prompt.name === 'login') {
        send(res, 200, page('Entrar', `<form method="post" action="/interaction/${uid}/login">
          <p><label for="cpf">CPF</label> <input id="cpf" name="cpf" autocomplete="username" required></p>
          <p><label for="senha">Senha</label> <input id="senha" name="senha" type="password" required></p>
          <p><button type="submit">Entrar</button></p></form>`));
      } else {
        send(res, 200, page('Autorizar', `<p>O serviço <strong>${escape(params.client_id)}</strong> pede acesso a: ${escape(params.scope)}.</p>
          <form method="post" action="/interaction/${uid}/confirm"><button type="submit">Autorizar</button></form>`));
      }
      return;
    }
    const form = await readForm(req);
    if (action === 'login') {
      const cpf = (form.get('cpf') || '').replace(/\D/g, '');
      const person = identities[cpf];
      if (!person || person.password !== form.get('senha')) {
        send(res, 200, page('Entrar', `<p role="alert">CPF ou senha incorretos.</p>
          <p><a href="/interaction/${uid}">Tentar de novo</a></p>`));
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: cpf } },
        { mergeWithLastSubmission: false });
      return;
    }
    if (action === 'confirm' && prompt.name === 'consent') {
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
      if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
      if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } },
        { mergeWithLastSubmission: true });
      return;
    }
    send(res, 400, page('Erro', '<p>Ação inválida.</p>'));
  }

  server.on('request', async (req, res) => {
    const url = new URL(req.url, issuer);
    const levelPath = url.pathname.match(/^\/confiabilidades\/v3\/contas\/(\d{11})\/niveis$/);
    const step = url.pathname.match(/^\/interaction\/([\w-]+)(?:\/(login|confirm))?$/);
    try {
      if (levelPath && req.method === 'GET') {
        await levels(req, res, levelPath[1]);
      } else if (step && (req.method === 'GET') === !step[2]) {
        await interaction(req, res, step[1], step[2]);
      } else {
        callback(req, res);
      }
    } catch (error) {
      console.error(error);
      if (!res.headersSent) send(res, 400, page('Erro', `<p>${escape(error.message)}</p>`));
    }
  });

  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(0));
}
