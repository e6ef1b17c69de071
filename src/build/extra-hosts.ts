// `extrahosts` of a build (`host:ip`, docker's --add-host) checked the way
// dockerd checks them when it creates a RUN step's container (opts.ValidateExtraHost).
export { verifyExtraHosts as checkExtraHosts } from '../core/container-settings.ts';
