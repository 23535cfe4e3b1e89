package timecoin

// A chain of signed blocks and a node serving it over bufconn, for the subscription's tests.

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"

	pb "github.com/timecoin/timed/client-sdk/go/gen/timecoin/v1"
)

const testChainID = "timecoin-devnet"

type signer struct {
	seed []byte
	v    *pb.Validator
}

func signers(label string, n int) []signer {
	var out []signer
	for i := range n {
		seed := Sha256([]byte(fmt.Sprintf("%s %d", label, i)))
		out = append(out, signer{seed, &pb.Validator{Key: PublicKey(seed), Weight: uint64(10 + i)}})
	}
	slices.SortFunc(out, func(a, b signer) int { return bytes.Compare(a.v.Key, b.v.Key) })
	return out
}

func validatorsOf(s []signer) []*pb.Validator {
	var out []*pb.Validator
	for _, x := range s {
		out = append(out, x.v)
	}
	return out
}

// testChain: block 0 and blocks 1..n, set(h) = sets[the last change <= h].
type testChain struct {
	blocks  []*pb.FinalizedBlock // index = height
	signers map[uint64][]signer  // set changes: height -> signers
	genesis []byte
}

func (tc *testChain) setAt(h uint64) []signer {
	var best uint64
	for c := range tc.signers {
		if c <= h && c > best {
			best = c
		}
	}
	return tc.signers[best]
}

func setHash(s []signer) []byte { h, _ := ValidatorSetHash(validatorsOf(s)); return h }

// certify signs the precommit of header with the first len-1 signers (a quorum of 4 weights 10..13).
func certify(t *testing.T, header *pb.BlockHeader, s []signer) *pb.FinalityCertificate {
	hash := must[[]byte](t)(BlockHash(header))
	cert := &pb.FinalityCertificate{Height: header.GetHeight(), Round: 0, BlockHash: hash}
	vote := must[[]byte](t)(voteBytes(header.GetChainId(), pb.VoteType_VOTE_TYPE_PRECOMMIT, header.GetHeight(), 0, hash))
	for _, x := range s[:len(s)-1] {
		cert.Signatures = append(cert.Signatures, &pb.CertificateSignature{Validator: x.v.Key, Signature: Sign(x.seed, vote)})
	}
	return cert
}

// newTestChain makes n blocks; changes maps a height c >= 2 to the set that votes from c on.
func newTestChain(t *testing.T, n int, changes map[uint64][]signer) *testChain {
	tc := &testChain{signers: map[uint64][]signer{1: signers("validator", 4)}}
	for c, s := range changes {
		tc.signers[c] = s
	}
	var prev *pb.FinalizedBlock
	for h := uint64(0); h <= uint64(n); h++ {
		tx := &pb.Transaction{Version: 2, Kind: pb.TransactionKind_TRANSACTION_KIND_REWARD,
			Outputs: []*pb.TxOutput{{Amount: Subsidy(max(h, 1)), Address: make([]byte, 20)}},
			Payload: &pb.Transaction_Reward{Reward: &pb.RewardPayload{Height: h}}}
		id, wid := must[[]byte](t)(TxID(tx)), must[[]byte](t)(WtxID(tx))
		header := &pb.BlockHeader{Version: 2, ChainId: testChainID, Height: h, TimestampMs: 1_790_000_000_000 + h*1000,
			PrevHash: NilHash, TxRoot: MerkleRoot([][]byte{id}), WitnessRoot: MerkleRoot([][]byte{wid}),
			LastCertificateHash: NilHash, ValidatorSetHash: setHash(tc.setAt(max(h, 1))),
			NextValidatorSetHash: setHash(tc.setAt(h + 1)), Proposer: tc.setAt(max(h, 1))[0].v.Key}
		body := &pb.BlockBody{Transactions: []*pb.Transaction{tx}}
		if prev != nil {
			header.PrevHash = must[[]byte](t)(BlockHash(prev.Block.Header))
			if h >= 2 {
				body.LastCertificate = prev.Certificate
				header.LastCertificateHash = must[[]byte](t)(CertificateHash(prev.Certificate))
			}
		}
		fb := &pb.FinalizedBlock{Block: &pb.Block{Header: header, Body: body}}
		if h > 0 {
			fb.Certificate = certify(t, header, tc.setAt(h))
		}
		tc.blocks = append(tc.blocks, fb)
		prev = fb
	}
	tc.genesis = must[[]byte](t)(BlockHash(tc.blocks[0].Block.Header))
	return tc
}

func (tc *testChain) changes() []*pb.ValidatorSetChange {
	var heights []uint64
	for c := range tc.signers {
		heights = append(heights, c)
	}
	slices.Sort(heights)
	var out []*pb.ValidatorSetChange
	for _, c := range heights {
		prev := tc.blocks[c-1]
		out = append(out, &pb.ValidatorSetChange{Height: c, Header: prev.Block.Header, Certificate: prev.Certificate,
			ValidatorSet: &pb.ValidatorSet{Height: c, Validators: validatorsOf(tc.signers[c])}})
	}
	return out
}

// fakeNode serves a testChain; its hooks let a test make it lie or fail.
type fakeNode struct {
	pb.UnimplementedNodeServiceServer
	chain *testChain
	mu    sync.Mutex
	froms []uint64 // every SubscribeFinalized from_height
	// cutAfter ends each stream with UNAVAILABLE after that many blocks (0: never)
	cutAfter int
	// replay makes each stream after the first start one block early (a duplicate)
	replay bool
	// changes replaces the chain's validator set changes
	changes func([]*pb.ValidatorSetChange) []*pb.ValidatorSetChange
	// block replaces a block as served
	block func(*pb.FinalizedBlock) *pb.FinalizedBlock
	// silentOnce makes the first stream send nothing
	silentOnce bool
	// pageLimit caps every answer of GetValidatorSetChanges (0: the limit asked)
	pageLimit int
	unary     map[string]func(proto.Message) (proto.Message, error)
}

func (f *fakeNode) SubscribeFinalized(req *pb.SubscribeFinalizedRequest, stream grpc.ServerStreamingServer[pb.SubscribeFinalizedResponse]) error {
	f.mu.Lock()
	f.froms = append(f.froms, req.GetFromHeight())
	first, silent := len(f.froms) == 1, f.silentOnce
	f.mu.Unlock()
	if first && silent {
		<-stream.Context().Done()
		return nil
	}
	from := max(req.GetFromHeight(), 1)
	if f.replay && !first && from > 1 {
		from--
	}
	sent := 0
	for h := from; h < uint64(len(f.chain.blocks)); h++ {
		if f.cutAfter > 0 && sent == f.cutAfter {
			return status.Error(codes.Unavailable, "cut")
		}
		b := f.chain.blocks[h]
		if f.block != nil {
			b = f.block(proto.Clone(b).(*pb.FinalizedBlock))
		}
		if err := stream.Send(&pb.SubscribeFinalizedResponse{Event: &pb.SubscribeFinalizedResponse_Block{Block: b}}); err != nil {
			return err
		}
		sent++
	}
	<-stream.Context().Done() // a node never ends a subscription; the tail waits for blocks
	return nil
}

func (f *fakeNode) GetValidatorSetChanges(_ context.Context, req *pb.GetValidatorSetChangesRequest) (*pb.GetValidatorSetChangesResponse, error) {
	all := f.chain.changes()
	if f.changes != nil {
		all = f.changes(all)
	}
	limit := int(req.GetLimit())
	if limit == 0 {
		limit = 100
	}
	if f.pageLimit > 0 {
		limit = min(limit, f.pageLimit) // as a node does at about 1 MiB
	}
	var out []*pb.ValidatorSetChange
	for _, c := range all {
		if c.GetHeight() > req.GetFromHeight() && len(out) < limit {
			out = append(out, c)
		}
	}
	return &pb.GetValidatorSetChangesResponse{Changes: out, FinalizedHeight: uint64(len(f.chain.blocks) - 1)}, nil
}

func (f *fakeNode) GetBlock(_ context.Context, req *pb.GetBlockRequest) (*pb.GetBlockResponse, error) {
	h := req.GetHeight()
	if h >= uint64(len(f.chain.blocks)) {
		return nil, status.Error(codes.NotFound, "not final")
	}
	b := f.chain.blocks[h]
	return &pb.GetBlockResponse{Block: b.Block, Certificate: b.Certificate}, nil
}

func (f *fakeNode) GetValidatorSet(_ context.Context, req *pb.GetValidatorSetRequest) (*pb.GetValidatorSetResponse, error) {
	return &pb.GetValidatorSetResponse{ValidatorSet: &pb.ValidatorSet{Height: req.GetHeight(), Validators: validatorsOf(f.chain.setAt(req.GetHeight()))}}, nil
}

func (f *fakeNode) subscribedFrom() []uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.froms)
}

// serve starts srv over bufconn and returns a client of it with fast timers.
func serve(t *testing.T, srv pb.NodeServiceServer, opts ...Option) *Client {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	s := grpc.NewServer()
	pb.RegisterNodeServiceServer(s, srv)
	go s.Serve(lis)
	t.Cleanup(s.Stop)
	opts = append([]Option{
		WithDialOptions(grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
			grpc.WithTransportCredentials(insecure.NewCredentials())),
		func(o *options) {
			o.backoffBase, o.pollEvery = 10*time.Millisecond, 10*time.Millisecond
		},
	}, opts...)
	c, err := Dial("passthrough:///bufnet", opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// take reads up to n blocks, and the error that ended the subscription if it ended first.
func take(t *testing.T, c *Client, from uint64, n int) ([]*VerifiedBlock, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []*VerifiedBlock
	for b, err := range c.Subscribe(ctx, from) {
		if err != nil {
			return got, err
		}
		got = append(got, b)
		if len(got) == n {
			break
		}
	}
	return got, nil
}

func heights(bs []*VerifiedBlock) []uint64 {
	var out []uint64
	for _, b := range bs {
		out = append(out, b.Height)
	}
	return out
}

func span(from, to uint64) []uint64 {
	var out []uint64
	for h := from; h <= to; h++ {
		out = append(out, h)
	}
	return out
}
