// @timecoin/sdk: the trustless client of docs/protocol.md (bytes, hashes, signatures, certificates),
// TimeClient on any Connect transport, and the wallet. Transports: "@timecoin/sdk/node", "/web".
export * from "./bytes.js";
export * from "./crypto.js";
export * from "./address.js";
export * from "./canonical.js";
export * from "./merkle.js";
export * from "./consensus.js";
export * from "./errors.js";
export * from "./trust.js";
export * from "./verify.js";
export * from "./client.js";
export * from "./wallet.js";
export * from "./genesis.js";
export * from "./gen/timecoin/v1/block_pb.js";
export * from "./gen/timecoin/v1/certificate_pb.js";
export * from "./gen/timecoin/v1/consensus_pb.js";
export * from "./gen/timecoin/v1/errors_pb.js";
export * from "./gen/timecoin/v1/node_pb.js";
export * from "./gen/timecoin/v1/peer_pb.js";
export * from "./gen/timecoin/v1/registry_pb.js";
export * from "./gen/timecoin/v1/transaction_pb.js";
