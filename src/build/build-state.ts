// The image config being built: one StageState per stage (its last committed
// image, the config that the next step changes, its ARGs, its output), and
// the small pure helpers that read and change a config the way the classic
// builder does.
import type { Digest } from '../core/digest.ts';
import { invalidArgument } from '../core/errors.ts';
import type { Image, OciContainerConfig, OciImageConfig } from '../image/index.ts';

export const defaultPath = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const defaultShell = ['/bin/sh', '-c'];
export const proxyArgs = new Set(['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']);

export interface StageState {
  /** The last committed image; undefined for `FROM scratch` before its first step. */
  imageId: Digest | undefined;
  config: OciImageConfig;
  /** ARGs declared in this stage, with their values (undefined: declared without value). */
  readonly args: Map<string, string | undefined>;
  cmdSet: boolean;
  /** This stage's output (buffered while an earlier stage is still printing). */
  readonly say: (text: string) => void;
  /** The number of this stage's next step line. */
  step: number;
}

export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** A copy of an image's config as a stage starts from it (the fields a build carries on, in this order). */
export function configOf(image: Image | OciImageConfig): OciImageConfig {
  const { architecture, os, variant, config, rootfs, history, author } = 'rootfs' in image ? image : image.config;
  return clone({ architecture, os, ...(variant !== undefined ? { variant } : {}), ...(author !== undefined ? { author } : {}), config: config ?? {}, rootfs, history: history ?? [] });
}

export function envMap(list: readonly string[] | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of list ?? []) {
    const i = e.indexOf('=');
    if (i < 0) m.set(e, '');
    else m.set(e.slice(0, i), e.slice(i + 1));
  }
  return m;
}

export function setEnv(config: OciContainerConfig, key: string, value: string): void {
  const env = [...(config.Env ?? [])];
  const i = env.findIndex((e) => e === key || e.startsWith(`${key}=`));
  if (i >= 0) env[i] = `${key}=${value}`;
  else env.push(`${key}=${value}`);
  config.Env = env;
}

export function parseOctal(s: string): number {
  if (!/^[0-7]{3,4}$/.test(s)) throw invalidArgument(`invalid chmod parameter: ${s}`);
  return parseInt(s, 8);
}

/**
 * The classic builder's `#(nop)` texts: the stage's shell (SHELL, else
 * `/bin/sh -c`) and the step's text, as its history shows them.
 */
export function nop(text: string, shell?: readonly string[]): string {
  return `${(shell && shell.length > 0 ? shell : ['/bin/sh', '-c']).join(' ')} #(nop) ${text}`;
}

