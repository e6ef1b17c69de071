// cri/: the second front door — Kubernetes' Container Runtime Interface over
// gRPC, on the same engine as api/ (it imports engine/index.ts, core/ and lib/ only).
export { createCriServer, type CriServer, type CriServerOptions } from './server.ts';
