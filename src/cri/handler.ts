// The shape of a CRI handler, shared by the service files and the server.

/** A unary handler: the decoded request in, the response object out (thrown errors become gRPC statuses). */
export type Handler = (request: never) => Promise<object>;
