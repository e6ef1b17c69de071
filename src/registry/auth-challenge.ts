// Parses `WWW-Authenticate` challenges (RFC 7235) as registries send them:
// `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"`
// or `Basic realm="Registry Realm"`.

export interface Challenge {
  /** Lower-case scheme: `bearer`, `basic`. */
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/** All challenges in a header value (several may be comma-separated). */
export function parseChallenges(header: string | readonly string[] | undefined): Challenge[] {
  const values = header === undefined ? [] : typeof header === 'string' ? [header] : header;
  const out: Challenge[] = [];
  for (const value of values) {
    let i = 0;
    let current: { scheme: string; params: Record<string, string> } | undefined;
    const s = value;
    const skipWs = () => {
      while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === ',')) i++;
    };
    while (i < s.length) {
      skipWs();
      const tokenMatch = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+/.exec(s.slice(i));
      if (!tokenMatch) break;
      const token = tokenMatch[0];
      i += token.length;
      while (s[i] === ' ') i++;
      if (s[i] === '=') {
        // a parameter of the current challenge
        i++;
        while (s[i] === ' ') i++;
        let val = '';
        if (s[i] === '"') {
          i++;
          while (i < s.length && s[i] !== '"') {
            if (s[i] === '\\' && i + 1 < s.length) i++;
            val += s[i];
            i++;
          }
          i++;
        } else {
          const m = /^[^,\s]*/.exec(s.slice(i));
          val = m ? m[0] : '';
          i += val.length;
        }
        if (current) current.params[token.toLowerCase()] = val;
      } else {
        current = { scheme: token.toLowerCase(), params: {} };
        out.push(current);
      }
    }
  }
  return out;
}
