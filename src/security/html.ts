// The authorization server's few HTML pages are written by hand: every value placed in them goes through escapeHtml.
export const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** The page of an authorization error (oidc-provider's renderError). */
export function errorPage(error: string, description: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title></head>
<body><h1>Sign-in error</h1><p>${escapeHtml(error)}</p><p>${escapeHtml(description)}</p></body></html>
`;
}
