// cli: `berth pull`, `berth push`, `berth login`, `berth logout` — credentials
// from ~/.docker/config.json sent as X-Registry-Auth, docker's progress output
// (bars on a terminal, plain lines otherwise) and docker's messages.
import { isBerthError } from '../../core/errors.ts';
import { familiarName, formatReference, parseReference, repositoryName, withDefaultTag, type Reference } from '../../core/reference.ts';
import { eraseAuth, getAuth, registryAuthHeader, registryKey, storeAuth, configPath, dockerIoKey, ExitError, describeError, err, getClient, out, stderrStream, stdoutStream } from '../../cli-kit/index.ts';
import { displayJsonMessages, StreamError } from '../progress.ts';

function parseOrExit(name: string): Reference {
  try {
    return parseReference(name);
  } catch (e) {
    throw new ExitError(1, isBerthError(e) ? `${e.message}` : String(e));
  }
}

async function authFor(ref: Reference): Promise<string> {
  return registryAuthHeader(await getAuth(ref.domain === 'docker.io' ? dockerIoKey : ref.domain));
}

/** Pulls an image, rendering progress; shared with run/create (quiet there prints nothing but errors). */
export async function pullImage(name: string, options: { platform?: string; quiet?: boolean; toStderr?: boolean; allTags?: boolean } = {}): Promise<string> {
  const parsed = parseOrExit(name);
  if (options.allTags && (parsed.tag !== undefined || parsed.digest !== undefined)) throw new ExitError(1, "tag can't be used with --all-tags/-a");
  const ref = options.allTags ? parsed : withDefaultTag(parsed);
  const client = await getClient();
  const query: Record<string, string> = { fromImage: repositoryName(ref), tag: options.allTags ? '' : (ref.digest ?? ref.tag ?? 'latest') };
  if (options.platform) query['platform'] = options.platform;
  const stream = await client.stream('POST', '/images/create', { query, headers: { 'X-Registry-Auth': await authFor(ref) } });
  const to = options.toStderr ? stderrStream() : stdoutStream();
  await displayJsonMessages(stream, to, { tty: to.isTTY === true, quiet: options.quiet ?? false });
  return formatReference(ref);
}

export async function pullCommand(name: string, o: { platform?: string; quiet?: boolean; allTags?: boolean }): Promise<void> {
  try {
    const full = await pullImage(name, { ...(o.platform ? { platform: o.platform } : {}), quiet: o.quiet ?? false, allTags: o.allTags ?? false });
    out(`${full}\n`);
  } catch (e) {
    if (e instanceof ExitError) throw e;
    throw new ExitError(1, e instanceof StreamError ? e.message : describeError(e));
  }
}

/** `os/arch[/variant]` as the OCI platform JSON that docker's push query carries. */
export function platformJson(text: string): string {
  const [os = '', architecture = '', variant, extra] = text.toLowerCase().split('/');
  if (os === '' || extra !== undefined) throw new ExitError(1, `invalid platform: "${text}": unknown operating system or architecture: invalid argument`);
  const arch = architecture === '' ? (process.arch === 'x64' ? 'amd64' : process.arch) : architecture === 'x86_64' ? 'amd64' : architecture === 'aarch64' ? 'arm64' : architecture;
  return JSON.stringify({ architecture: arch, os, ...(variant ? { variant } : {}) });
}

export async function pushCommand(name: string, o: { quiet?: boolean; allTags?: boolean; platform?: string }): Promise<void> {
  const ref = parseOrExit(name);
  if (ref.digest !== undefined) throw new ExitError(1, `invalid reference format: push by digest is not supported`);
  const tagged = o.allTags ? ref : withDefaultTag(ref);
  const client = await getClient();
  try {
    const query: Record<string, string> = {};
    if (tagged.tag !== undefined) query['tag'] = tagged.tag;
    if (o.platform) query['platform'] = platformJson(o.platform);
    const stream = await client.stream('POST', `/images/${encodeURIComponent(familiarName({ domain: ref.domain, path: ref.path }))}/push`, {
      query,
      headers: { 'X-Registry-Auth': await authFor(ref) },
    });
    const aux = await displayJsonMessages(stream, stdoutStream(), { tty: stdoutStream().isTTY === true, quiet: o.quiet ?? false });
    if (o.quiet) out(`${familiarName(tagged)}\n`);
    void aux;
  } catch (e) {
    throw new ExitError(1, e instanceof StreamError ? e.message : describeError(e));
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

export async function loginCommand(server: string | undefined, o: { username?: string; password?: string; passwordStdin?: boolean }): Promise<void> {
  let password = o.password;
  if (o.passwordStdin) {
    if (o.password !== undefined) throw new ExitError(1, '--password and --password-stdin are mutually exclusive');
    if (o.username === undefined) throw new ExitError(1, 'Must provide --username with --password-stdin');
    password = (await readStdin()).replace(/\r?\n$/, '');
  } else if (password !== undefined) {
    err('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
  }
  const key = registryKey(server);
  let username = o.username;
  if (username === undefined || password === undefined) {
    const stored = await getAuth(key);
    if (stored !== undefined && username === undefined && password === undefined) {
      username = stored.username;
      password = stored.password;
    } else if (!process.stdin.isTTY) {
      throw new ExitError(1, 'Error: Cannot perform an interactive login from a non TTY device');
    } else {
      throw new ExitError(1, 'Error: interactive login is not supported by berth yet; use -u and --password-stdin');
    }
  }
  if (password === '') throw new ExitError(1, 'Error: Password Required');
  const client = await getClient();
  try {
    await client.json('POST', '/auth', { body: { username, password, serveraddress: key } });
  } catch (e) {
    throw new ExitError(1, describeError(e));
  }
  const { plainText } = await storeAuth(key, username, password);
  if (plainText) {
    err(`WARNING! Your credentials are stored unencrypted in '${configPath()}'.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n`);
  }
  out('Login Succeeded\n');
}

export async function logoutCommand(server: string | undefined): Promise<void> {
  const key = registryKey(server);
  const shown = server === undefined || key === dockerIoKey ? dockerIoKey : key;
  if (await eraseAuth(key)) out(`Removing login credentials for ${shown}\n`);
  else out(`Not logged in to ${shown}\n`);
}
