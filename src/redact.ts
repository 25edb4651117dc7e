// Every API key the process knows is registered here, and every string that leaves the
// process (tool results, log lines, error messages) goes through redact() first.
const secrets = new Set<string>();

export function registerSecret(secret: string | undefined): void {
  // Very short values would redact ordinary words; real keys are long.
  if (secret && secret.length >= 6) secrets.add(secret);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join('[redacted]');
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret && out.includes(encoded)) out = out.split(encoded).join('[redacted]');
  }
  return out;
}
