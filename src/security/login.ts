// The authorization server's interaction pages (oidc-provider interactions): a clinician signs in with a local
// account on a small server-rendered form; consent is the account's allowed scopes (granted = requested ∩ allowed
// for the client and the account), given without a second page. Everything rendered is escaped; no script.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Accounts } from '../storage';
import type Provider from 'oidc-provider' with { 'resolution-mode': 'import' };
import { escapeHtml } from './html';
import { decoyHash, verifyPassword } from './passwords';
import { grantable } from './scope-grant';

/** The one message of a failed sign-in: it says nothing of whether the account exists. */
export const WRONG_CREDENTIALS = 'Wrong username or password.';

export interface LoginForm {
  username?: unknown;
  password?: unknown;
}

export interface Interactions {
  /** GET of the interaction URL: the sign-in form, or the consent step done at once. */
  show(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** POST of the form; resolves to false when the credentials were wrong (the form is shown again, 401). */
  login(req: IncomingMessage, res: ServerResponse, form: LoginForm): Promise<boolean>;
}

export function interactions(provider: Provider, accounts: Accounts): Interactions {
  const page = (
    res: ServerResponse,
    status: number,
    uid: string,
    redirect: unknown,
    message?: string,
  ): void => {
    const formTarget = `/oauth/interaction/${encodeURIComponent(uid)}/login`;
    let redirectOrigin = '';
    try {
      if (typeof redirect === 'string') redirectOrigin = ' ' + new URL(redirect).origin;
    } catch {
      // no origin to allow
    }
    res.statusCode = status;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    // The form posts here, and its answer redirects to the client's redirect URI: both must be allowed targets.
    res.setHeader(
      'Content-Security-Policy',
      `default-src 'none'; form-action 'self'${redirectOrigin}; frame-ancestors 'none'; base-uri 'none'`,
    );
    res.end(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Sign in - ephr-fhir</title></head>
<body><main><h1>Sign in</h1>
${message ? `<p role="alert">${escapeHtml(message)}</p>\n` : ''}<form method="post" action="${escapeHtml(formTarget)}">
<p><label>Username <input name="username" autocomplete="username" required autofocus></label></p>
<p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>
<p><button type="submit">Sign in</button></p>
</form></main></body></html>
`);
  };

  const consent = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const details = await provider.interactionDetails(req, res);
    const accountId = details.session?.accountId;
    const user = accountId === undefined ? undefined : await accounts.users.get(accountId);
    const clientId = String(details.params.client_id);
    if (!user || user.disabled || accountId === undefined) {
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const grant = details.grantId
      ? ((await provider.Grant.find(details.grantId)) ?? new provider.Grant({ accountId, clientId }))
      : new provider.Grant({ accountId, clientId });
    const prompt = details.prompt.details as {
      missingOIDCScope?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (prompt.missingOIDCScope) grant.addOIDCScope(prompt.missingOIDCScope.join(' '));
    let granted = 0;
    for (const [resource, scopes] of Object.entries(prompt.missingResourceScopes ?? {})) {
      const allowed = grantable(scopes.join(' '), user.scope);
      granted += allowed.length;
      if (allowed.length > 0) grant.addResourceScope(resource, allowed.join(' '));
      // The others are recorded as refused, so that the provider does not ask for them again.
      const refused = scopes.filter((x) => !allowed.includes(x));
      if (refused.length > 0) grant.rejectResourceScope(resource, refused.join(' '));
    }
    if (granted === 0 && prompt.missingResourceScopes) {
      await provider.interactionFinished(
        req,
        res,
        {
          error: 'access_denied',
          error_description: 'none of the requested scopes is allowed for this account',
        },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  };

  return {
    show: async (req, res) => {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === 'login') page(res, 200, details.uid, details.params.redirect_uri);
      else await consent(req, res);
    },
    login: async (req, res, form) => {
      const details = await provider.interactionDetails(req, res);
      const username = typeof form.username === 'string' ? form.username.trim() : '';
      const password = typeof form.password === 'string' ? form.password : '';
      const user = username === '' ? undefined : await accounts.users.get(username);
      // An unknown account costs as long as a known one: the time says nothing of which usernames exist.
      const ok = await verifyPassword(password, user?.password ?? (await decoyHash()));
      if (!user || user.disabled || !ok) {
        page(res, 401, details.uid, details.params.redirect_uri, WRONG_CREDENTIALS);
        return false;
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: user.username } },
        { mergeWithLastSubmission: false },
      );
      return true;
    },
  };
}
