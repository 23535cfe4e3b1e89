package timecoin

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"sync"

	"google.golang.org/grpc/codes"

	pb "github.com/timecoin/timed/client-sdk/go/gen/timecoin/v1"
)

// TrustRoot is what a client chains every verified answer to (docs/protocol.md 8): the genesis
// hash (Height 0), or a checkpoint (Height c, the hash of block c) the user pins.
type TrustRoot struct {
	Height uint64
	Hash   []byte
}

// GenesisRoot trusts the chain whose block 0 hashes to hash.
func GenesisRoot(hash []byte) TrustRoot { return TrustRoot{Hash: hash} }

// CheckpointRoot trusts the chain whose block height hashes to hash; blocks at or below it
// cannot be checked from this root.
func CheckpointRoot(height uint64, hash []byte) TrustRoot {
	return TrustRoot{Height: height, Hash: hash}
}

// ParseGenesisRoot is GenesisRoot from 64 hex digits (a genesis.json's genesis_hash).
func ParseGenesisRoot(hexHash string) (TrustRoot, error) {
	h, err := hex.DecodeString(hexHash)
	if err != nil || len(h) != 32 {
		return TrustRoot{}, newError(codes.InvalidArgument, ReasonInvalidArgument, "a genesis hash is 64 hex digits, not %q", hexHash)
	}
	return GenesisRoot(h), nil
}

func (r TrustRoot) String() string {
	if r.Height == 0 {
		return "genesis " + hex.EncodeToString(r.Hash)
	}
	return fmt.Sprintf("checkpoint %d %x", r.Height, r.Hash)
}

// setChange is set(height) = validators, until the next change.
type setChange struct {
	height     uint64
	validators []*pb.Validator
	hash       []byte
}

// trustedChain is what a client has verified from its root, shared by its subscriptions: the
// root's chain id and header, and the validator sets derived from it (docs/sdk.md 4.1).
type trustedChain struct {
	client *Client
	mu     sync.Mutex // one lookup at a time
	ready  bool
	root   TrustRoot
	header *pb.BlockHeader // of the root block
	chain  string
	sets   []setChange // ascending
	known  uint64      // no change is missing up to this height
}

// forged is a node answer that fails verification: DATA_LOSS, asking this node again will not help.
func forged(reason Reason, format string, args ...any) *Error {
	return newError(codes.DataLoss, reason, format, args...)
}

// TrustRoot checks the client's root (once) and returns it: with no root given, the genesis the
// node showed, to pin next time.
func (c *Client) TrustRoot(ctx context.Context) (TrustRoot, error) {
	c.chain.mu.Lock()
	defer c.chain.mu.Unlock()
	if err := c.chain.ensureRoot(ctx); err != nil {
		return TrustRoot{}, err
	}
	return c.chain.root, nil
}

// ChainID is the chain id of the root's header.
func (c *Client) ChainID(ctx context.Context) (string, error) {
	c.chain.mu.Lock()
	defer c.chain.mu.Unlock()
	if err := c.chain.ensureRoot(ctx); err != nil {
		return "", err
	}
	return c.chain.chain, nil
}

// ensureRoot checks the root on first use (docs/sdk.md 1, 4.1 steps 1 and 2). Callers hold mu.
func (t *trustedChain) ensureRoot(ctx context.Context) error {
	if t.ready {
		return nil
	}
	c := t.client
	if r := c.opts.root; r != nil && r.Height > 0 {
		b, err := c.Block(ctx, r.Height)
		if err != nil {
			if codeOf(err) == codes.NotFound {
				return forged(ReasonWrongChain, "the node has no block %d for the checkpoint", r.Height)
			}
			return err
		}
		h := b.GetBlock().GetHeader()
		if hash, err := BlockHash(h); err != nil || h.GetHeight() != r.Height || !bytes.Equal(hash, r.Hash) {
			return forged(ReasonWrongChain, "block %d of the node is not the checkpoint %x", r.Height, r.Hash)
		}
		next, err := c.ValidatorSet(ctx, r.Height+1)
		if err != nil {
			return err
		}
		if err := checkSet(next.GetValidators(), h.GetNextValidatorSetHash(), r.Height+1); err != nil {
			return err
		}
		t.root, t.header, t.chain = *r, h, h.GetChainId()
		t.sets = []setChange{{height: r.Height + 1, validators: next.GetValidators(), hash: h.GetNextValidatorSetHash()}}
		t.known = r.Height + 1
		t.ready = true
		return nil
	}
	resp, err := c.ValidatorSetChanges(ctx, 0, changesPage)
	if err != nil {
		return err
	}
	changes := resp.GetChanges()
	if len(changes) == 0 || changes[0].GetHeight() != 1 || changes[0].GetHeader().GetHeight() != 0 {
		return forged(ReasonMalformed, "the first validator set change is not set(1) with block 0's header")
	}
	first := changes[0]
	genesis, err := BlockHash(first.GetHeader())
	if err != nil {
		return forged(ReasonMalformed, "block 0's header: %v", err)
	}
	if c.opts.root == nil {
		c.opts.logger.Warn(fmt.Sprintf("no trust root given: trusting the genesis %x of chain '%s' that the node showed; pin it with timecoin.GenesisRoot", genesis, first.GetHeader().GetChainId()))
	} else if !bytes.Equal(genesis, c.opts.root.Hash) {
		return forged(ReasonGenesisMismatch, "the node's genesis %x is not the trusted %x", genesis, c.opts.root.Hash)
	}
	if err := checkSet(first.GetValidatorSet().GetValidators(), first.GetHeader().GetNextValidatorSetHash(), 1); err != nil {
		return err
	}
	t.root, t.header, t.chain = GenesisRoot(genesis), first.GetHeader(), first.GetHeader().GetChainId()
	t.sets = []setChange{{height: 1, validators: first.GetValidatorSet().GetValidators(), hash: first.GetHeader().GetNextValidatorSetHash()}}
	t.known = 1
	t.ready = true
	return t.apply(changes[1:], resp.GetFinalizedHeight(), false)
}

// changesPage is the limit the walk asks for.
const changesPage = 1000

// checkSet: a set that is empty, out of key order, repeats a key or has a zero weight is
// MALFORMED; one whose VALSET hash is not the header's is INVALID_BLOCK.
func checkSet(validators []*pb.Validator, want []byte, height uint64) error {
	if len(validators) == 0 {
		return forged(ReasonMalformed, "set(%d) is empty", height)
	}
	for _, v := range validators {
		if v.GetWeight() == 0 {
			return forged(ReasonMalformed, "set(%d) has a validator of weight 0", height)
		}
	}
	hash, err := ValidatorSetHash(validators)
	if err != nil {
		return forged(ReasonMalformed, "set(%d): %v", height, err)
	}
	if !bytes.Equal(hash, want) {
		return forged(ReasonInvalidBlock, "set(%d) does not hash to the header's next_validator_set_hash", height)
	}
	return nil
}

// apply checks and adds changes after the ones held (docs/sdk.md 4.1 step 3). Only an empty
// answer shows there are none more up to finalized + 1: the node may also end a page short of
// the limit at about 1 MiB.
func (t *trustedChain) apply(changes []*pb.ValidatorSetChange, finalized uint64, empty bool) error {
	for _, ch := range changes {
		c := ch.GetHeight()
		last := t.sets[len(t.sets)-1]
		if c <= last.height {
			return forged(ReasonMalformed, "validator set change %d is not after %d", c, last.height)
		}
		if c <= t.known {
			return forged(ReasonInvalidBlock, "a change at %d contradicts the sets held up to %d", c, t.known)
		}
		h, cert := ch.GetHeader(), ch.GetCertificate()
		if h == nil || cert == nil || h.GetHeight() != c-1 || cert.GetHeight() != c-1 {
			return forged(ReasonMalformed, "change %d lacks the header and certificate of %d", c, c-1)
		}
		if h.GetChainId() != t.chain {
			return forged(ReasonWrongChain, "change %d: header of chain %q", c, h.GetChainId())
		}
		hash, err := BlockHash(h)
		if err != nil {
			return forged(ReasonMalformed, "change %d: %v", c, err)
		}
		if !bytes.Equal(cert.GetBlockHash(), hash) {
			return forged(ReasonInvalidBlock, "change %d: the certificate is not for the header of %d", c, c-1)
		}
		if !bytes.Equal(h.GetValidatorSetHash(), last.hash) {
			return forged(ReasonInvalidBlock, "change %d: the header of %d is not of the set held (a change left out)", c, c-1)
		}
		if v := CheckCertificate(t.chain, cert, last.validators); v.Reason != ReasonUnspecified {
			return forged(v.Reason, "change %d: the certificate of %d is %s for set(%d)", c, c-1, ReasonName(v.Reason), c-1)
		}
		if err := checkSet(ch.GetValidatorSet().GetValidators(), h.GetNextValidatorSetHash(), c); err != nil {
			return err
		}
		t.sets = append(t.sets, setChange{height: c, validators: ch.GetValidatorSet().GetValidators(), hash: h.GetNextValidatorSetHash()})
		t.known = c
	}
	if empty && finalized+1 > t.known {
		t.known = finalized + 1
	}
	return nil
}

// setAt is the change in force at h (h at or above the first one held).
func (t *trustedChain) setAt(h uint64) setChange {
	i := sort.Search(len(t.sets), func(i int) bool { return t.sets[i].height > h })
	return t.sets[i-1]
}

// setFor derives set(h), walking GetValidatorSetChanges as far as needed (docs/sdk.md 4.1 step 4).
func (t *trustedChain) setFor(ctx context.Context, h uint64) (setChange, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.ensureRoot(ctx); err != nil {
		return setChange{}, err
	}
	if h < t.sets[0].height {
		return setChange{}, newError(codes.FailedPrecondition, ReasonInvalidArgument,
			"block %d is at or below the checkpoint %d and cannot be checked from it", h, t.root.Height)
	}
	for t.known < h {
		before := t.known
		resp, err := t.client.ValidatorSetChanges(ctx, t.known, changesPage)
		if err != nil {
			return setChange{}, err
		}
		if err := t.apply(resp.GetChanges(), resp.GetFinalizedHeight(), len(resp.GetChanges()) == 0); err != nil {
			return setChange{}, err
		}
		if t.known == before {
			return setChange{}, newError(codes.Unavailable, ReasonNotSynced, "the node's validator set changes reach %d, not %d yet", t.known, h)
		}
	}
	return t.setAt(h), nil
}

// noteNext learns from a verified header of h that set(h+1) = set(h) when it names the same
// hash (docs/sdk.md 4.1 step 5), which spares a lookup. A next set that differs from one derived
// is not refused here: block h+1 fails check 11 then.
func (t *trustedChain) noteNext(h uint64, next []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.known == h && bytes.Equal(t.setAt(h).hash, next) {
		t.known = h + 1
	}
}

// feeParams are the wallet's fees: WithFees, else those of block 0's GENESIS transaction under a
// genesis root (checked against the root), else DefaultFees.
func (c *Client) feeParams(ctx context.Context) (FeeParams, error) {
	c.chain.mu.Lock()
	defer c.chain.mu.Unlock()
	if c.opts.fees != nil {
		return *c.opts.fees, nil
	}
	if err := c.chain.ensureRoot(ctx); err != nil {
		return FeeParams{}, err
	}
	if c.chain.root.Height != 0 {
		return DefaultFees, nil
	}
	b, err := c.Block(ctx, 0)
	if err != nil {
		return FeeParams{}, err
	}
	hash, _ := BlockHash(b.GetBlock().GetHeader())
	txs := b.GetBlock().GetBody().GetTransactions()
	if !bytes.Equal(hash, c.chain.root.Hash) || len(txs) != 1 || txs[0].GetGenesis().GetParams() == nil {
		return FeeParams{}, forged(ReasonGenesisMismatch, "block 0 of the node is not the trusted genesis")
	}
	id, err := TxID(txs[0])
	if err != nil || !bytes.Equal(MerkleRoot([][]byte{id}), b.GetBlock().GetHeader().GetTxRoot()) {
		return FeeParams{}, forged(ReasonInvalidBlock, "block 0's GENESIS transaction is not under its tx_root")
	}
	fees := FeesOf(txs[0].GetGenesis().GetParams())
	c.opts.fees = &fees
	return fees, nil
}

// VerifiedValidatorSet is the set that votes at height, derived from the trust root through every
// set change up to it, each checked (docs/sdk.md 4.1): what Subscribe checks blocks with. It
// returns the members in key order and the set's VALSET hash.
func (c *Client) VerifiedValidatorSet(ctx context.Context, height uint64) ([]*pb.Validator, []byte, error) {
	s, err := c.chain.setFor(ctx, height)
	if err != nil {
		return nil, nil, err
	}
	return s.validators, slices.Clone(s.hash), nil
}
