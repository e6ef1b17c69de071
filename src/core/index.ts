// core: berth's domain vocabulary — error kinds, digests, ids, image references,
// container types. No I/O.
export * from './errors.ts';
export * from './digest.ts';
export * from './ids.ts';
export * from './reference.ts';
export * from './types.ts';
export * from './restart-policy.ts';
export * from './progress.ts';
