// Every API key the process knows is registered here, and every string that leaves the
// process (tool results, log lines, error messages) goes through redact() first. A key is
// also looked for URL-encoded, since one vendor's sits in URL paths.
const secrets = new Set<string>();

export function registerSecret(secret: string | undefined): void {
  // Very short values would redact ordinary words; real keys are long.
  if (!secret || secret.length < 6) return;
  secrets.add(secret);
  secrets.add(encodeURIComponent(secret));
}

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  return out;
}
