// Docker's mount wire shapes ↔ berth's: a HostConfig.Mounts entry (with
// BindOptions, VolumeOptions, TmpfsOptions) → MountSpec and back, a
// container's MountPoints → inspect/list `Mounts`, and a Volume → its JSON.
import { invalidArgument } from '../core/errors.ts';
import type { Container, MountSpec } from '../core/types.ts';
import type { Volume } from '../engine/index.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function field<T>(o: Obj, key: string, where: string, type: 'string' | 'number' | 'boolean'): T | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== type) throw invalidArgument(`invalid ${where}.${key}: expected a ${type}`);
  return v as T;
}

function sub(o: Obj, key: string, where: string): Obj | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw invalidArgument(`invalid ${where}.${key}: expected an object`);
  return v;
}

function strMap(o: Obj | undefined, key: string, where: string): Record<string, string> | undefined {
  if (!o) return undefined;
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!isObj(v) || !Object.values(v).every((x) => typeof x === 'string')) throw invalidArgument(`invalid ${where}.${key}: expected an object of strings`);
  return v as Record<string, string>;
}

/** One HostConfig.Mounts entry → MountSpec (types and shapes checked; meaning is checked by the engine). */
export function mountSpecFromBody(m: Obj, i: number): MountSpec {
  const where = `HostConfig.Mounts[${i}]`;
  const type = field<string>(m, 'Type', where, 'string') ?? 'volume';
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') throw invalidArgument(`mount type unknown: ${type}`);
  const target = field<string>(m, 'Target', where, 'string') ?? '';
  if (target === '') throw invalidArgument(`invalid mount config for type "${type}": field Target must not be empty`);
  const bind = sub(m, 'BindOptions', where);
  const vol = sub(m, 'VolumeOptions', where);
  const tmpfs = sub(m, 'TmpfsOptions', where);
  const driver = vol ? sub(vol, 'DriverConfig', `${where}.VolumeOptions`) : undefined;
  const propagation = bind ? field<string>(bind, 'Propagation', `${where}.BindOptions`, 'string') : undefined;
  const roNonRecursive = bind ? field<boolean>(bind, 'ReadOnlyNonRecursive', `${where}.BindOptions`, 'boolean') : undefined;
  const roForceRecursive = bind ? field<boolean>(bind, 'ReadOnlyForceRecursive', `${where}.BindOptions`, 'boolean') : undefined;
  const noCopy = vol ? field<boolean>(vol, 'NoCopy', `${where}.VolumeOptions`, 'boolean') : undefined;
  const labels = strMap(vol, 'Labels', `${where}.VolumeOptions`);
  const driverName = driver ? field<string>(driver, 'Name', `${where}.VolumeOptions.DriverConfig`, 'string') : undefined;
  const driverOptions = strMap(driver, 'Options', `${where}.VolumeOptions.DriverConfig`);
  const size = tmpfs ? field<number>(tmpfs, 'SizeBytes', `${where}.TmpfsOptions`, 'number') : undefined;
  const mode = tmpfs ? field<number>(tmpfs, 'Mode', `${where}.TmpfsOptions`, 'number') : undefined;
  if (type !== 'bind' && bind) throw invalidArgument(`invalid mount config for type "${type}": field BindOptions must not be specified`);
  if (type !== 'volume' && vol) throw invalidArgument(`invalid mount config for type "${type}": field VolumeOptions must not be specified`);
  if (type !== 'tmpfs' && tmpfs) throw invalidArgument(`invalid mount config for type "${type}": field TmpfsOptions must not be specified`);
  return {
    type,
    source: field<string>(m, 'Source', where, 'string') ?? '',
    target,
    readOnly: field<boolean>(m, 'ReadOnly', where, 'boolean') ?? false,
    ...(propagation ? { bindPropagation: propagation } : {}),
    ...(roNonRecursive ? { readOnlyNonRecursive: true } : {}),
    ...(roForceRecursive ? { readOnlyForceRecursive: true } : {}),
    ...(noCopy !== undefined ? { noCopy } : {}),
    ...(labels ? { volumeLabels: labels } : {}),
    ...(driverName ? { volumeDriver: driverName } : {}),
    ...(driverOptions ? { volumeDriverOptions: driverOptions } : {}),
    ...(size !== undefined ? { tmpfsSize: size } : {}),
    ...(mode !== undefined ? { tmpfsMode: mode } : {}),
  };
}

/** MountSpec → the HostConfig.Mounts entry inspect shows. */
export function mountSpecJson(m: MountSpec) {
  const vol = m.noCopy !== undefined || m.volumeLabels || m.volumeDriver || m.volumeDriverOptions;
  return {
    Type: m.type,
    Source: m.source,
    Target: m.target,
    ...(m.readOnly ? { ReadOnly: true } : {}),
    // As given: dockerd keeps API < 1.44's implied ReadOnlyNonRecursive out of HostConfig.
    ...(m.bindPropagation || m.readOnlyNonRecursive || m.readOnlyForceRecursive
      ? {
          BindOptions: {
            ...(m.bindPropagation ? { Propagation: m.bindPropagation } : {}),
            ...(m.readOnlyNonRecursive ? { ReadOnlyNonRecursive: true } : {}),
            ...(m.readOnlyForceRecursive ? { ReadOnlyForceRecursive: true } : {}),
          },
        }
      : {}),
    ...(vol
      ? {
          VolumeOptions: {
            ...(m.noCopy ? { NoCopy: true } : {}),
            ...(m.volumeLabels ? { Labels: m.volumeLabels } : {}),
            ...(m.volumeDriver || m.volumeDriverOptions ? { DriverConfig: { ...(m.volumeDriver ? { Name: m.volumeDriver } : {}), ...(m.volumeDriverOptions ? { Options: m.volumeDriverOptions } : {}) } } : {}),
          },
        }
      : {}),
    ...(m.tmpfsSize !== undefined || m.tmpfsMode !== undefined
      ? { TmpfsOptions: { ...(m.tmpfsSize !== undefined ? { SizeBytes: m.tmpfsSize } : {}), ...(m.tmpfsMode !== undefined ? { Mode: m.tmpfsMode } : {}) } }
      : {}),
  };
}

/** A container's mounts as inspect and list show them (docker's MountPoint JSON). */
export function mountPointsJson(c: Container) {
  return (c.mountPoints ?? []).map((m) =>
    m.type === 'volume'
      ? { Type: 'volume', Name: m.name ?? '', Source: m.source, Destination: m.destination, Driver: m.driver ?? 'local', Mode: m.mode, RW: m.rw, Propagation: m.propagation }
      : { Type: m.type, Source: m.source, Destination: m.destination, Mode: m.mode, RW: m.rw, Propagation: m.propagation },
  );
}

/** GET /volumes/{name} and the entries of GET /volumes. */
export function volumeJson(v: Volume, usage?: { size: number; refCount: number }) {
  return {
    CreatedAt: v.createdAt,
    Driver: v.driver,
    Labels: v.labelsUnset ? null : v.labels,
    Mountpoint: v.mountpoint,
    Name: v.name,
    Options: Object.keys(v.options).length === 0 ? null : v.options,
    Scope: v.scope,
    ...(usage ? { UsageData: { Size: usage.size, RefCount: usage.refCount } } : {}),
  };
}
