// `docker import --change`: Dockerfile instructions applied to the new image's
// config (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR, ONBUILD,
// STOPSIGNAL), in JSON or shell form as the Dockerfile reference defines them.
import { invalidArgument } from '../../core/errors.ts';
import type { OciContainerConfig } from '../../image/index.ts';

/** JSON array form if the text is one, else undefined. */
function jsonForm(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // Not JSON: docker falls back to the shell form.
  }
  return undefined;
}

function unquote(s: string): string {
  if (s.length >= 2 && ((s.startsWith('"') && s.endsWith('"')) || (s.startsWith("'") && s.endsWith("'")))) {
    return s.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return s.replace(/\\(.)/g, '$1');
}

/** Splits `a=b "c d"=e` respecting quotes. */
function words(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && i + 1 < text.length) cur += text[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '\\' && i + 1 < text.length) cur += text[++i];
    else if (/\s/.test(ch)) {
      if (cur !== '') out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur !== '') out.push(cur);
  return out;
}

/** `K=V K2=V2` or the legacy `K V` form. */
function pairs(instruction: string, text: string): [string, string][] {
  const ws = words(text);
  if (ws.length > 0 && !ws[0]!.includes('=')) {
    const sp = text.search(/\s/);
    if (sp < 0) throw invalidArgument(`${instruction} must have two arguments`);
    return [[text.slice(0, sp), unquote(text.slice(sp).trim())]];
  }
  return ws.map((w) => {
    const i = w.indexOf('=');
    if (i <= 0) throw invalidArgument(`Syntax error - can't find = in "${w}". Must be of the form: name=value`);
    return [w.slice(0, i), w.slice(i + 1)];
  });
}

export function applyChanges(base: OciContainerConfig, changes: readonly string[]): OciContainerConfig {
  const config: OciContainerConfig = { ...base };
  for (const change of changes) {
    const line = change.trim();
    if (line === '') continue;
    const m = /^(\S+)\s*([\s\S]*)$/.exec(line);
    const instruction = (m?.[1] ?? '').toUpperCase();
    const rest = (m?.[2] ?? '').trim();
    const argv = () => jsonForm(rest) ?? ['/bin/sh', '-c', rest];
    switch (instruction) {
      case 'CMD':
        config.Cmd = argv();
        break;
      case 'ENTRYPOINT':
        config.Entrypoint = argv();
        break;
      case 'ENV': {
        const env = [...(config.Env ?? [])];
        for (const [k, v] of pairs('ENV', rest)) {
          const i = env.findIndex((e) => e.startsWith(`${k}=`));
          if (i >= 0) env[i] = `${k}=${v}`;
          else env.push(`${k}=${v}`);
        }
        config.Env = env;
        break;
      }
      case 'LABEL':
        config.Labels = { ...(config.Labels ?? {}), ...Object.fromEntries(pairs('LABEL', rest)) };
        break;
      case 'EXPOSE': {
        const ports = { ...(config.ExposedPorts ?? {}) };
        for (const p of words(rest)) ports[p.includes('/') ? p : `${p}/tcp`] = {};
        config.ExposedPorts = ports;
        break;
      }
      case 'VOLUME': {
        const vols = { ...(config.Volumes ?? {}) };
        for (const v of jsonForm(rest) ?? words(rest)) vols[v] = {};
        config.Volumes = vols;
        break;
      }
      case 'USER':
        config.User = unquote(rest);
        break;
      case 'WORKDIR':
        config.WorkingDir = unquote(rest);
        break;
      case 'STOPSIGNAL':
        config.StopSignal = unquote(rest);
        break;
      case 'ONBUILD':
        config.OnBuild = [...(config.OnBuild ?? []), rest];
        break;
      default:
        throw invalidArgument(`${instruction.toLowerCase()} is not a valid change command`);
    }
  }
  return config;
}
