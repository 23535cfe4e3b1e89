package timecoin

import (
	"bytes"
	"context"
	"errors"
	"io"
	"iter"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"

	pb "github.com/timecoin/timed/client-sdk/go/gen/timecoin/v1"
)

// VerifiedBlock is a finalized block the SDK verified from the trust root (docs/sdk.md 4.2).
type VerifiedBlock struct {
	Height uint64
	Hash   []byte
	*pb.FinalizedBlock
}

// Subscribe yields the finalized blocks from height from on (0: the block after the root), each
// only once verified from the trust root, once each and in order, across any number of broken
// connections (docs/sdk.md 4). It resubscribes from the next height after a retriable end
// (UNAVAILABLE, UNKNOWN, CANCELLED by the node, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, a normal
// end, 15 s without a message) with a backoff from 100 ms doubling to 5 s. Breaking out of the
// loop ends it; otherwise it ends with one last error: ctx's end (CANCELLED or DEADLINE_EXCEEDED),
// the client's Close (CANCELLED), a block that fails verification (DATA_LOSS and the failed
// check's reason; the block is never yielded), or any other code the stream fails with.
//
// The first block of a subscription above root + 1 is checked against set(h) derived from the
// root, but its prev_hash is not (no earlier block was verified); every later block is chained.
func (c *Client) Subscribe(ctx context.Context, from uint64) iter.Seq2[*VerifiedBlock, error] {
	return func(yield func(*VerifiedBlock, error) bool) {
		s := &subscription{client: c}
		if err := s.run(ctx, from, yield); err != nil {
			yield(nil, err)
		}
	}
}

type subscription struct {
	client *Client
	next   uint64
	prev   []byte // hash of block next-1 when verified (or the root's)
}

// errStopped: the caller broke out of the loop.
var errStopped = errors.New("stopped")

func (s *subscription) run(ctx context.Context, from uint64, yield func(*VerifiedBlock, error) bool) error {
	c := s.client
	backoff := time.Duration(0)
	for {
		if backoff > 0 {
			select {
			case <-ctx.Done():
				return asError(ctx.Err())
			case <-time.After(backoff):
			}
		}
		err := s.attempt(ctx, from, func(b *VerifiedBlock) bool {
			backoff = 0
			return yield(b, nil)
		})
		switch {
		case errors.Is(err, errStopped):
			return nil
		case ctx.Err() != nil:
			return asError(ctx.Err())
		case c.closed.Load():
			return newError(codes.Canceled, ReasonUnspecified, "the client was closed")
		case !retriable(err):
			return err
		}
		backoff = min(max(2*backoff, c.opts.backoffBase), c.opts.backoffCap)
	}
}

// retriable: the codes of docs/sdk.md 4.3 that resubscribe (a normal end is nil).
func retriable(err error) bool {
	switch codeOf(err) {
	case codes.OK, codes.Unavailable, codes.Unknown, codes.Canceled, codes.DeadlineExceeded, codes.ResourceExhausted:
		return true
	}
	return false
}

// attempt is one stream: from s.next (or from), until it ends.
func (s *subscription) attempt(ctx context.Context, from uint64, deliver func(*VerifiedBlock) bool) error {
	c := s.client
	if s.next == 0 {
		c.chain.mu.Lock()
		err := c.chain.ensureRoot(ctx)
		root, header := c.chain.root, c.chain.header
		c.chain.mu.Unlock()
		if err != nil {
			return err
		}
		s.next = max(from, root.Height+1)
		if from != 0 && from <= root.Height {
			return newError(codes.FailedPrecondition, ReasonInvalidArgument, "block %d is at or below the checkpoint %d", from, root.Height)
		}
		if s.next == root.Height+1 {
			s.prev, _ = BlockHash(header)
		}
	}
	streamCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var silent atomic.Bool
	watchdog := time.AfterFunc(c.opts.silence, func() { silent.Store(true); cancel() })
	defer watchdog.Stop()
	stream, err := c.node.SubscribeFinalized(streamCtx, &pb.SubscribeFinalizedRequest{FromHeight: s.next})
	if err != nil {
		return asError(err)
	}
	for {
		msg, err := stream.Recv()
		if err != nil {
			if errors.Is(err, io.EOF) || silent.Load() {
				return nil // resubscribe
			}
			return asError(err)
		}
		watchdog.Reset(c.opts.silence)
		fb := msg.GetBlock()
		if fb == nil {
			continue // a keep-alive
		}
		if h := fb.GetBlock().GetHeader(); h != nil && h.GetHeight() < s.next {
			continue // sent again after a resume: already delivered
		}
		watchdog.Stop() // verifying may look up sets; the caller may hold a block for long
		b, err := s.verify(ctx, fb)
		if err != nil {
			return err
		}
		if !deliver(b) {
			return errStopped
		}
		s.next, s.prev = b.Height+1, b.Hash
		watchdog.Reset(c.opts.silence)
	}
}

// verify runs the checks of docs/sdk.md 4.2 in their order; the first failing names the reason.
func (s *subscription) verify(ctx context.Context, fb *pb.FinalizedBlock) (*VerifiedBlock, error) {
	c := s.client
	block, cert := fb.GetBlock(), fb.GetCertificate()
	header := block.GetHeader()
	h := header.GetHeight()
	if header == nil || cert == nil { // 1
		return nil, forged(ReasonMalformed, "block %d: no block, header or certificate", s.next)
	}
	if h != s.next { // 2
		return nil, forged(ReasonInvalidBlock, "block %d came where %d was due", h, s.next)
	}
	hash, err := BlockHash(header) // 3
	if err != nil {
		return nil, forged(ReasonMalformed, "block %d: header: %v", h, err)
	}
	var ids, wids [][]byte
	for i, tx := range block.GetBody().GetTransactions() {
		id, err := TxID(tx)
		wid, werr := WtxID(tx)
		if err = errors.Join(err, werr); err != nil {
			return nil, forged(ReasonMalformed, "block %d: transaction %d: %v", h, i, err)
		}
		ids, wids = append(ids, id), append(wids, wid)
	}
	lastCertHash := NilHash
	if lc := block.GetBody().GetLastCertificate(); lc != nil {
		if lastCertHash, err = CertificateHash(lc); err != nil {
			return nil, forged(ReasonMalformed, "block %d: last_certificate: %v", h, err)
		}
	}
	c.chain.mu.Lock()
	chainID := c.chain.chain
	c.chain.mu.Unlock()
	if header.GetChainId() != chainID { // 4
		return nil, forged(ReasonWrongChain, "block %d is of chain %q, not %q", h, header.GetChainId(), chainID)
	}
	for _, check := range []struct {
		ok   bool
		what string
	}{
		{bytes.Equal(MerkleRoot(ids), header.GetTxRoot()), "tx_root is not the Merkle root of its txids"},             // 5
		{bytes.Equal(MerkleRoot(wids), header.GetWitnessRoot()), "witness_root is not the Merkle root of its wtxids"}, // 6
		{bytes.Equal(lastCertHash, header.GetLastCertificateHash()), "last_certificate_hash is not its last certificate's"},
		{s.prev == nil || bytes.Equal(header.GetPrevHash(), s.prev), "prev_hash is not the block verified before it"}, // 8
		{cert.GetHeight() == h && bytes.Equal(cert.GetBlockHash(), hash), "the certificate is not for this block"},    // 9
	} {
		if !check.ok {
			return nil, forged(ReasonInvalidBlock, "block %d: %s", h, check.what)
		}
	}
	set, err := c.chain.setFor(ctx, h) // 10
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(header.GetValidatorSetHash(), set.hash) { // 11
		return nil, forged(ReasonInvalidBlock, "block %d: validator_set_hash is not of the set(%d) derived", h, h)
	}
	if v := CheckCertificate(chainID, cert, set.validators); v.Reason != ReasonUnspecified { // 12
		return nil, forged(v.Reason, "block %d: the certificate is %s (signed %d of %d)", h, ReasonName(v.Reason), v.SignedWeight, v.TotalWeight)
	}
	c.chain.noteNext(h, header.GetNextValidatorSetHash())
	return &VerifiedBlock{Height: h, Hash: hash, FinalizedBlock: fb}, nil
}
