// Package timecoin is the Go SDK of the TIME chain (docs/sdk.md): canonical bytes and hashes,
// the exact Ed25519 rule, addresses, a client of NodeService, a finalized-block subscription
// verified from a trust root, and a wallet.
//
// Every 64-bit amount and height is a uint64. Hashes, keys, txids and signatures are raw bytes.
// Every failure is, or wraps, an *Error carrying the gRPC code and the protocol's ErrorReason:
//
//	var e *timecoin.Error
//	if errors.As(err, &e) && e.Reason == timecoin.ReasonFeeTooLow { ... }
//
// Without a trust root (WithTrustRoot) a client trusts the first genesis a node shows it, logs
// that at WARN through log/slog, and chains everything after it: fine against your own node,
// not against a stranger's. Client.TrustRoot tells the root it ended up trusting.
package timecoin

//go:generate ../../proto/node_modules/.bin/buf generate
