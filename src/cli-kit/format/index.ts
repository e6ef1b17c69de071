// cli-kit/format: output formatting for the CLI — docker's tables, units and contexts.
export * from './units.ts';
export * from './table.ts';
export * from './render.ts';
export * from './contexts.ts';
export * from './stats.ts';
