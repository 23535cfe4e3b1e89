package timecoin

import (
	"bytes"
	"encoding/hex"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	pb "github.com/timecoin/timed/client-sdk/go/gen/timecoin/v1"
)

// wantRefusal: the subscription delivered exactly the heights delivered, then ended with
// DATA_LOSS and reason.
func wantRefusal(t *testing.T, got []*VerifiedBlock, err error, delivered []uint64, reason Reason) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != codes.DataLoss || e.Reason != reason {
		t.Fatalf("ended with %v, want DATA_LOSS/%s", err, ReasonName(reason))
	}
	if !slices.Equal(heights(got), delivered) {
		t.Errorf("delivered %v before the refusal, want %v", heights(got), delivered)
	}
}

func TestSubscriptionVerifiesEveryBlockAcrossASetChange(t *testing.T) {
	tc := newTestChain(t, 12, map[uint64][]signer{6: signers("successor", 4), 9: signers("third", 4)})
	walked := serve(t, &fakeNode{chain: tc, pageLimit: 1}, WithTrustRoot(GenesisRoot(tc.genesis)))
	if got, err := take(t, walked, 0, 12); err != nil || !slices.Equal(heights(got), span(1, 12)) {
		t.Fatalf("walking one change a page: %v, %v", heights(got), err)
	}
	c := serve(t, &fakeNode{chain: tc}, WithTrustRoot(GenesisRoot(tc.genesis)))
	got, err := take(t, c, 0, 12)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(heights(got), span(1, 12)) {
		t.Fatalf("heights %v", heights(got))
	}
	for _, b := range got {
		if !proto.Equal(b.FinalizedBlock, tc.blocks[b.Height]) || !slices.Equal(b.Hash, b.Certificate.BlockHash) {
			t.Fatalf("block %d is not the chain's", b.Height)
		}
	}
	if root, _ := c.TrustRoot(t.Context()); !slices.Equal(root.Hash, tc.genesis) {
		t.Errorf("root %v", root)
	}
}

func TestSubscriptionRefusesAnotherGenesis(t *testing.T) {
	tc := newTestChain(t, 3, nil)
	other := slices.Clone(tc.genesis)
	other[0] ^= 1
	c := serve(t, &fakeNode{chain: tc}, WithTrustRoot(GenesisRoot(other)))
	got, err := take(t, c, 0, 3)
	wantRefusal(t, got, err, nil, ReasonGenesisMismatch)
}

func TestSubscriptionRefusesAForgedSet(t *testing.T) {
	tc := newTestChain(t, 8, map[uint64][]signer{5: signers("successor", 4)})
	attackers := signers("attacker", 4)
	for name, tt := range map[string]struct {
		forge     func(t *testing.T, changes []*pb.ValidatorSetChange) []*pb.ValidatorSetChange
		reason    Reason
		delivered []uint64
	}{
		"a set the header does not name": {func(t *testing.T, changes []*pb.ValidatorSetChange) []*pb.ValidatorSetChange {
			changes[1].ValidatorSet.Validators = validatorsOf(attackers)
			return changes
		}, ReasonInvalidBlock, nil}, // refused with the first page of changes, before any block
		"a header naming it, certified by its own keys": {func(t *testing.T, changes []*pb.ValidatorSetChange) []*pb.ValidatorSetChange {
			header := proto.Clone(changes[1].Header).(*pb.BlockHeader)
			header.NextValidatorSetHash = setHash(attackers)
			changes[1].Header, changes[1].Certificate = header, certify(t, header, attackers)
			changes[1].ValidatorSet.Validators = validatorsOf(attackers)
			return changes
		}, ReasonUnknownValidator, nil},
		"a change left out": {func(t *testing.T, changes []*pb.ValidatorSetChange) []*pb.ValidatorSetChange {
			return changes[:1]
		}, ReasonInvalidBlock, span(1, 4)}, // block 5 is not of the set(5) derived
	} {
		t.Run(name, func(t *testing.T) {
			node := &fakeNode{chain: tc, changes: func(c []*pb.ValidatorSetChange) []*pb.ValidatorSetChange { return tt.forge(t, c) }}
			c := serve(t, node, WithTrustRoot(GenesisRoot(tc.genesis)))
			got, err := take(t, c, 0, 8)
			wantRefusal(t, got, err, tt.delivered, tt.reason)
		})
		t.Run(name+", met walking one change a page", func(t *testing.T) {
			node := &fakeNode{chain: tc, pageLimit: 1, changes: func(c []*pb.ValidatorSetChange) []*pb.ValidatorSetChange { return tt.forge(t, c) }}
			c := serve(t, node, WithTrustRoot(GenesisRoot(tc.genesis)))
			got, err := take(t, c, 0, 8)
			wantRefusal(t, got, err, span(1, 4), tt.reason)
		})
	}
}

func TestSubscriptionNeverDeliversATamperedBlock(t *testing.T) {
	tc := newTestChain(t, 6, nil)
	for name, tt := range map[string]struct {
		tamper func(*pb.FinalizedBlock)
		reason Reason
	}{
		"an output amount":                  {func(b *pb.FinalizedBlock) { b.Block.Body.Transactions[0].Outputs[0].Amount++ }, ReasonInvalidBlock},
		"a witness-free byte of the header": {func(b *pb.FinalizedBlock) { b.Block.Header.TimestampMs++ }, ReasonInvalidBlock},
		"a certificate signature":           {func(b *pb.FinalizedBlock) { b.Certificate.Signatures[1].Signature[5] ^= 1 }, ReasonBadSignature},
		"a certificate short of a quorum":   {func(b *pb.FinalizedBlock) { b.Certificate.Signatures = b.Certificate.Signatures[:2] }, ReasonNoQuorum},
		"another chain id":                  {func(b *pb.FinalizedBlock) { b.Block.Header.ChainId = "timecoin-other" }, ReasonWrongChain},
		"a key of the wrong size":           {func(b *pb.FinalizedBlock) { b.Block.Header.Proposer = b.Block.Header.Proposer[1:] }, ReasonMalformed},
		"a gap":                             {func(b *pb.FinalizedBlock) { proto.Reset(b); proto.Merge(b, tc.blocks[4]) }, ReasonInvalidBlock},
	} {
		t.Run(name, func(t *testing.T) {
			node := &fakeNode{chain: tc, block: func(b *pb.FinalizedBlock) *pb.FinalizedBlock {
				if b.Block.Header.Height == 3 {
					tt.tamper(b)
				}
				return b
			}}
			c := serve(t, node, WithTrustRoot(GenesisRoot(tc.genesis)))
			got, err := take(t, c, 0, 6)
			wantRefusal(t, got, err, []uint64{1, 2}, tt.reason)
			if !strings.Contains(err.Error(), "block ") {
				t.Errorf("the message does not name the block: %v", err)
			}
		})
	}
}

func TestSubscriptionResumesWithoutGapOrDuplicate(t *testing.T) {
	tc := newTestChain(t, 10, map[uint64][]signer{6: signers("successor", 4)})
	node := &fakeNode{chain: tc, cutAfter: 3, replay: true}
	c := serve(t, node, WithTrustRoot(GenesisRoot(tc.genesis)))
	got, err := take(t, c, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(heights(got), span(1, 10)) {
		t.Fatalf("heights %v, want 1..10 once each", heights(got))
	}
	// each stream brings a replayed block (dropped) and two new ones before the cut
	if froms := node.subscribedFrom(); !slices.Equal(froms, []uint64{1, 4, 6, 8, 10}) {
		t.Errorf("subscribed from %v", froms)
	}
}

func TestSubscriptionResubscribesAfterSilence(t *testing.T) {
	tc := newTestChain(t, 3, nil)
	node := &fakeNode{chain: tc, silentOnce: true}
	var logged bytes.Buffer
	c := serve(t, node, WithLogger(slog.New(slog.NewTextHandler(&logged, nil))), func(o *options) { o.silence = 300 * time.Millisecond })
	got, err := take(t, c, 0, 3)
	if err != nil || !slices.Equal(heights(got), span(1, 3)) {
		t.Fatalf("%v, %v", heights(got), err)
	}
	// without a root: the first genesis shown is trusted, said at WARN, and exposed to pin
	if root, _ := c.TrustRoot(t.Context()); !bytes.Equal(root.Hash, tc.genesis) ||
		!strings.Contains(logged.String(), "level=WARN") || !strings.Contains(logged.String(), hex.EncodeToString(tc.genesis)) {
		t.Errorf("root %v, log %q", root, logged.String())
	}
	if froms := node.subscribedFrom(); !slices.Equal(froms, []uint64{1, 1}) {
		t.Errorf("subscribed from %v", froms)
	}
}

func TestSubscriptionFromACheckpoint(t *testing.T) {
	tc := newTestChain(t, 9, map[uint64][]signer{7: signers("successor", 4)})
	checkpoint := must[[]byte](t)(BlockHash(tc.blocks[4].Block.Header))
	c := serve(t, &fakeNode{chain: tc}, WithTrustRoot(CheckpointRoot(4, checkpoint)))
	got, err := take(t, c, 0, 5)
	if err != nil || !slices.Equal(heights(got), span(5, 9)) {
		t.Fatalf("%v, %v", heights(got), err)
	}
	if _, err := take(t, c, 3, 1); codeOf(err) != codes.FailedPrecondition {
		t.Errorf("a block below the checkpoint: %v", err)
	}
	wrong := serve(t, &fakeNode{chain: tc}, WithTrustRoot(CheckpointRoot(4, tc.genesis)))
	if _, err := take(t, wrong, 0, 1); ReasonOf(err) != ReasonWrongChain {
		t.Errorf("a checkpoint the node does not have: %v", err)
	}
}

func TestSubscriptionEndsWhenTheClientCloses(t *testing.T) {
	tc := newTestChain(t, 2, nil)
	c := serve(t, &fakeNode{chain: tc})
	n := 0
	for _, err := range c.Subscribe(t.Context(), 0) {
		if err != nil {
			if codeOf(err) != codes.Canceled {
				t.Errorf("ended with %v", err)
			}
			break
		}
		if n++; n == 2 {
			c.Close()
		}
	}
	if n != 2 {
		t.Errorf("%d blocks", n)
	}
}
