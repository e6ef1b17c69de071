// cli-kit: what the two client programs share — `berth` (cli/) and `berth
// compose` (compose/): the session (client, docker's error wording, exit
// codes), its standard output and error (stdio.ts), docker's config file (credentials), the build context tar,
// Go templates and docker's list formatting. It talks to the daemon through
// client/ only and knows neither cli/ nor compose/.
export * from './session.ts';
export * from './stdio.ts';
export * from './docker-config.ts';
export * from './build-context.ts';
export * from './dockerignore-loader.ts';
export * from './format/index.ts';
export * from './template/index.ts';
