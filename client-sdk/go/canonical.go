package timecoin

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"

	pb "github.com/timecoin/timed/client-sdk/go/gen/timecoin/v1"
)

// The canonical bytes of docs/protocol.md 2: nothing is hashed or signed as protobuf. A field of
// the wrong size or keys out of order have no canonical form, and give a MALFORMED *Error.

// NilHash is the nil hash: 32 zero bytes.
var NilHash = make([]byte, 32)

// writer appends one layout; the first wrong field sets err and the rest is skipped.
type writer struct {
	buf []byte
	err error
}

func tagged(name string) *writer {
	w := &writer{}
	return w.string("TIMECOIN/v2/" + name)
}

func (w *writer) u8(v uint8) *writer   { w.buf = append(w.buf, v); return w }
func (w *writer) u32(v uint32) *writer { w.buf = binary.BigEndian.AppendUint32(w.buf, v); return w }
func (w *writer) u64(v uint64) *writer { w.buf = binary.BigEndian.AppendUint64(w.buf, v); return w }
func (w *writer) i32(v int32) *writer  { return w.u32(uint32(v)) }

func (w *writer) bytes(b []byte) *writer {
	w.u32(uint32(len(b)))
	w.buf = append(w.buf, b...)
	return w
}

func (w *writer) string(s string) *writer { return w.bytes([]byte(s)) }

// fixed writes a field of exactly n bytes.
func (w *writer) fixed(b []byte, n int, what string) *writer {
	if len(b) != n && w.err == nil {
		w.err = malformed("%s is %d bytes, not %d", what, len(b), n)
	}
	w.buf = append(w.buf, b...)
	return w
}

func (w *writer) hash(b []byte, what string) *writer { return w.fixed(b, 32, what) }
func (w *writer) key(b []byte, what string) *writer  { return w.fixed(b, 32, what) }
func (w *writer) sig(b []byte, what string) *writer  { return w.fixed(b, 64, what) }
func (w *writer) addr(b []byte, what string) *writer { return w.fixed(b, 20, what) }

func (w *writer) fail(err error) *writer {
	if w.err == nil {
		w.err = err
	}
	return w
}

func (w *writer) finish() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	return w.buf, nil
}

func list[T any](w *writer, items []T, each func(*writer, T)) *writer {
	w.u32(uint32(len(items)))
	for _, it := range items {
		each(w, it)
	}
	return w
}

func hashOf(b []byte, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	return sum[:], nil
}

// Sha256 is SHA-256, the protocol's one hash.
func Sha256(b []byte) []byte { sum := sha256.Sum256(b); return sum[:] }

// VoteBytes is VOTE; the vote's validator and signature are not part of it.
func VoteBytes(v *pb.Vote) ([]byte, error) {
	return voteBytes(v.GetChainId(), v.GetType(), v.GetHeight(), v.GetRound(), v.GetBlockHash())
}

func voteBytes(chainID string, t pb.VoteType, height uint64, round uint32, blockHash []byte) ([]byte, error) {
	return tagged("VOTE").string(chainID).u8(uint8(t)).u64(height).u32(round).hash(blockHash, "block_hash").finish()
}

// HeaderBytes is HEADER.
func HeaderBytes(h *pb.BlockHeader) ([]byte, error) {
	return tagged("HEADER").
		u32(h.GetVersion()).
		string(h.GetChainId()).
		u64(h.GetHeight()).
		u64(h.GetTimestampMs()).
		hash(h.GetPrevHash(), "prev_hash").
		hash(h.GetTxRoot(), "tx_root").
		hash(h.GetWitnessRoot(), "witness_root").
		hash(h.GetLastCertificateHash(), "last_certificate_hash").
		hash(h.GetValidatorSetHash(), "validator_set_hash").
		hash(h.GetNextValidatorSetHash(), "next_validator_set_hash").
		key(h.GetProposer(), "proposer").
		finish()
}

// BlockHash is SHA-256(HEADER).
func BlockHash(h *pb.BlockHeader) ([]byte, error) { return hashOf(HeaderBytes(h)) }

// ProposalBytes is PROPOSAL: it signs the header (through the block hash), never the body.
func ProposalBytes(p *pb.Proposal) ([]byte, error) {
	header := p.GetBlock().GetHeader()
	if header == nil {
		return nil, malformed("a proposal carries its block's header")
	}
	h, err := BlockHash(header)
	if err != nil {
		return nil, err
	}
	return tagged("PROPOSAL").string(p.GetChainId()).u64(p.GetHeight()).u32(p.GetRound()).
		i32(p.GetValidRound()).hash(h, "block_hash").finish()
}

func outpoint(w *writer, o *pb.OutPoint) {
	if o == nil {
		w.fail(malformed("an input names an outpoint"))
		return
	}
	w.hash(o.GetTxid(), "txid").u32(o.GetIndex())
}

func witness(w *writer, x *pb.Witness) {
	if x == nil {
		w.fail(malformed("a witness is missing"))
		return
	}
	w.key(x.GetPublicKey(), "witness key").sig(x.GetSignature(), "witness signature")
}

// TxBytes is TX: the transaction without its witnesses, so the txid is known before signing.
func TxBytes(tx *pb.Transaction) ([]byte, error) {
	w := tagged("TX").u32(tx.GetVersion()).u8(uint8(tx.GetKind()))
	list(w, tx.GetInputs(), func(w *writer, in *pb.TxInput) { outpoint(w, in.GetOutpoint()) })
	list(w, tx.GetOutputs(), func(w *writer, o *pb.TxOutput) { w.u64(o.GetAmount()).addr(o.GetAddress(), "address") })
	mismatch := func() ([]byte, error) {
		return nil, malformed("the payload does not match kind %s", tx.GetKind())
	}
	switch tx.GetKind() {
	case pb.TransactionKind_TRANSACTION_KIND_GENESIS:
		g, ok := tx.GetPayload().(*pb.Transaction_Genesis)
		if !ok {
			return mismatch()
		}
		params, err := ParamsBytes(g.Genesis)
		if err != nil {
			return nil, err
		}
		return w.string(g.Genesis.GetChainId()).bytes(params).finish()
	case pb.TransactionKind_TRANSACTION_KIND_TRANSFER:
		if tx.GetPayload() != nil {
			return mismatch()
		}
		return w.finish()
	case pb.TransactionKind_TRANSACTION_KIND_REGISTER_MASTERNODE:
		r, ok := tx.GetPayload().(*pb.Transaction_RegisterMasternode)
		if !ok {
			return mismatch()
		}
		outpoint(w, r.RegisterMasternode.GetCollateral())
		return w.key(r.RegisterMasternode.GetConsensusKey(), "consensus_key").
			addr(r.RegisterMasternode.GetRewardAddress(), "reward_address").finish()
	case pb.TransactionKind_TRANSACTION_KIND_DEREGISTER_MASTERNODE:
		d, ok := tx.GetPayload().(*pb.Transaction_DeregisterMasternode)
		if !ok {
			return mismatch()
		}
		return w.key(d.DeregisterMasternode.GetConsensusKey(), "consensus_key").finish()
	case pb.TransactionKind_TRANSACTION_KIND_REWARD:
		r, ok := tx.GetPayload().(*pb.Transaction_Reward)
		if !ok {
			return mismatch()
		}
		return w.u64(r.Reward.GetHeight()).finish()
	}
	return nil, malformed("unknown transaction kind %d", tx.GetKind())
}

// TxID is SHA-256(TX).
func TxID(tx *pb.Transaction) ([]byte, error) { return hashOf(TxBytes(tx)) }

// TxwBytes is TXW: the txid, then every witness (inputs' in input order, then the kind witnesses).
func TxwBytes(tx *pb.Transaction) ([]byte, error) {
	id, err := TxID(tx)
	if err != nil {
		return nil, err
	}
	w := tagged("TXW").hash(id, "txid")
	list(w, tx.GetInputs(), func(w *writer, in *pb.TxInput) { witness(w, in.GetWitness()) })
	list(w, tx.GetKindWitnesses(), witness)
	return w.finish()
}

// WtxID is SHA-256(TXW).
func WtxID(tx *pb.Transaction) ([]byte, error) { return hashOf(TxwBytes(tx)) }

// TxSigBytes is TXSIG, what every witness key of a transaction signs.
func TxSigBytes(chainID string, txid []byte) ([]byte, error) {
	return tagged("TXSIG").string(chainID).hash(txid, "txid").finish()
}

// ParamsBytes is PARAMS: a GenesisPayload's chain id, then its ChainParams in field-number order.
func ParamsBytes(g *pb.GenesisPayload) ([]byte, error) {
	p := g.GetParams()
	if p == nil {
		return nil, malformed("a GENESIS payload carries its chain parameters")
	}
	w := tagged("PARAMS").string(g.GetChainId()).
		u64(p.GetGenesisTimeMs()).u64(p.GetBlockIntervalMs()).
		u64(p.GetProposeMs()).u64(p.GetProposeDeltaMs()).
		u64(p.GetPrepareMs()).u64(p.GetPrepareDeltaMs()).
		u64(p.GetPrecommitMs()).u64(p.GetPrecommitDeltaMs()).
		u64(p.GetCapMs()).
		u32(p.GetMaxBlockTxs()).u32(p.GetMaxBlockBytes()).u32(p.GetMaxTxBytes()).
		u64(p.GetMinTxFee()).u32(p.GetMaxValidators()).
		u64(p.GetMinFeePerByte()).u64(p.GetMinOutput()).u64(p.GetRegistrationFee())
	list(w, p.GetMasternodes(), func(w *writer, m *pb.GenesisMasternode) {
		w.key(m.GetConsensusKey(), "consensus_key").addr(m.GetOwnerAddress(), "owner_address").
			addr(m.GetRewardAddress(), "reward_address").u64(m.GetCollateral())
	})
	return w.finish()
}

func ascending(keys [][]byte, what string) error {
	for i := 1; i < len(keys); i++ {
		if bytes.Compare(keys[i-1], keys[i]) >= 0 {
			return malformed("%s not strictly ascending by key", what)
		}
	}
	return nil
}

// ValidatorSetBytes is VALSET: (key, weight) strictly ascending by key; the set's height is not encoded.
func ValidatorSetBytes(validators []*pb.Validator) ([]byte, error) {
	keys := make([][]byte, len(validators))
	for i, v := range validators {
		keys[i] = v.GetKey()
	}
	w := tagged("VALSET")
	w.fail(ascending(keys, "validators"))
	list(w, validators, func(w *writer, v *pb.Validator) { w.key(v.GetKey(), "validator key").u64(v.GetWeight()) })
	return w.finish()
}

// ValidatorSetHash is SHA-256(VALSET).
func ValidatorSetHash(validators []*pb.Validator) ([]byte, error) {
	return hashOf(ValidatorSetBytes(validators))
}

// CertificateBytes is CERT.
func CertificateBytes(c *pb.FinalityCertificate) ([]byte, error) {
	keys := make([][]byte, len(c.GetSignatures()))
	for i, s := range c.GetSignatures() {
		keys[i] = s.GetValidator()
	}
	w := tagged("CERT").u64(c.GetHeight()).u32(c.GetRound()).hash(c.GetBlockHash(), "block_hash")
	w.fail(ascending(keys, "certificate signatures"))
	list(w, c.GetSignatures(), func(w *writer, s *pb.CertificateSignature) {
		w.key(s.GetValidator(), "signer").sig(s.GetSignature(), "signature")
	})
	return w.finish()
}

// CertificateHash is SHA-256(CERT).
func CertificateHash(c *pb.FinalityCertificate) ([]byte, error) { return hashOf(CertificateBytes(c)) }

// HelloBytes is HELLO, signed by the node key in the peer handshake (docs/protocol.md 6).
func HelloBytes(h *pb.Hello) ([]byte, error) {
	return tagged("HELLO").string(h.GetChainId()).hash(h.GetGenesisHash(), "genesis_hash").
		u32(h.GetProtocolVersion()).key(h.GetNodeKey(), "node_key").u64(h.GetHeight()).
		bytes(h.GetNonce()).bytes(h.GetPeerNonce()).finish()
}

// ProposerSeedBytes is PROPOSER, the seed of proposer(h, r) (docs/protocol.md 5.1).
func ProposerSeedBytes(chainID string, height uint64, round uint32) ([]byte, error) {
	return tagged("PROPOSER").string(chainID).u64(height).u32(round).finish()
}

// MerkleRoot is the RFC 6962 tree hash of docs/protocol.md 2.1; no leaves give the nil hash.
func MerkleRoot(ids [][]byte) []byte {
	if len(ids) == 0 {
		return make([]byte, 32)
	}
	if len(ids) == 1 {
		return Sha256(append([]byte{0}, ids[0]...))
	}
	k := 1
	for k*2 < len(ids) {
		k *= 2
	}
	node := append([]byte{1}, MerkleRoot(ids[:k])...)
	return Sha256(append(node, MerkleRoot(ids[k:])...))
}
