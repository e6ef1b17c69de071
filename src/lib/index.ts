// lib: leaf utilities with no domain words (logging, durable writes, child
// processes, tar helpers). Nothing here knows about containers or images.
export * from './logger.ts';
export * from './atomic-write.ts';
export * from './go-units.ts';
export * from './fs-batch.ts';
export * from './in-root-path.ts';
export * from './read-in-root.ts';
export * from './read-whole.ts';
export * from './trace.ts';
export * from './spare-dirs.ts';
