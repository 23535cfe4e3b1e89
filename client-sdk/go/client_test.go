package timecoin

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/timecoin/timed/client-sdk/go/gen/timecoin/v1"
)

func TestTarget(t *testing.T) {
	for in, want := range map[string]string{
		"24101":           "127.0.0.1:24101",
		"node.example:80": "node.example:80",
		"[::1]:24101":     "[::1]:24101",
		"dns:///node:1":   "dns:///node:1",
	} {
		if got, err := Target(in); err != nil || got != want {
			t.Errorf("Target(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"node.example", "", ":24101", "0"} {
		if _, err := Target(bad); ReasonOf(err) != ReasonInvalidArgument {
			t.Errorf("Target(%q): %v", bad, err)
		}
	}
}

// refusal is a node's refusal: a status with its ErrorInfo, as the node sends it.
func refusal(code codes.Code, reason string) error {
	s, _ := status.New(code, "refused: "+reason).WithDetails(&errdetails.ErrorInfo{Domain: "timecoin.v1", Reason: reason})
	return s.Err()
}

type pagedNode struct {
	fakeNode
	mu       sync.Mutex
	tokens   []string
	heights  []uint64
	stuck    bool
	submit   func(*pb.Transaction) (*pb.SubmitTransactionResponse, error)
	unspent  []*pb.UnspentOutput
	statuses []pb.TransactionStatus
}

func (n *pagedNode) ListUnspent(_ context.Context, req *pb.ListUnspentRequest) (*pb.ListUnspentResponse, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.tokens = append(n.tokens, req.GetPageToken())
	if n.unspent != nil {
		return &pb.ListUnspentResponse{Outputs: n.unspent, Height: 7}, nil
	}
	if n.stuck {
		return &pb.ListUnspentResponse{Outputs: []*pb.UnspentOutput{{Height: 1}}, NextPageToken: "same"}, nil
	}
	page := map[string]struct {
		items []uint64
		next  string
	}{"": {[]uint64{1, 2}, "a"}, "a": {[]uint64{3, 4}, "b"}, "b": {[]uint64{5}, ""}}[req.GetPageToken()]
	var out []*pb.UnspentOutput
	for _, h := range page.items {
		out = append(out, &pb.UnspentOutput{Height: h})
	}
	return &pb.ListUnspentResponse{Outputs: out, NextPageToken: page.next}, nil
}

func (n *pagedNode) ListMasternodes(_ context.Context, req *pb.ListMasternodesRequest) (*pb.ListMasternodesResponse, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.heights = append(n.heights, req.GetHeight())
	if req.GetPageToken() == "" {
		return &pb.ListMasternodesResponse{Masternodes: []*pb.Masternode{{Weight: 1}}, Height: 42, NextPageToken: "k"}, nil
	}
	return &pb.ListMasternodesResponse{Masternodes: []*pb.Masternode{{Weight: 2}}, Height: 43}, nil
}

func (n *pagedNode) SubmitTransaction(_ context.Context, req *pb.SubmitTransactionRequest) (*pb.SubmitTransactionResponse, error) {
	return n.submit(req.GetTransaction())
}

func (n *pagedNode) SubmitTransactions(stream grpc.BidiStreamingServer[pb.SubmitTransactionsRequest, pb.SubmitTransactionsResponse]) error {
	var answers []*pb.SubmitTransactionsResponse
	for i := 0; ; i++ {
		req, err := stream.Recv()
		if err != nil {
			break
		}
		id, _ := TxID(req.GetTransaction())
		a := &pb.SubmitTransactionsResponse{Txid: id}
		if i == 1 {
			a.Error = status.Convert(refusal(codes.FailedPrecondition, "ALREADY_SPENT")).Proto()
		}
		if i < 3 { // the fourth goes unanswered
			answers = append(answers, a)
		}
	}
	slices.Reverse(answers) // the node answers in the order it finishes
	for _, a := range answers {
		if err := stream.Send(a); err != nil {
			return err
		}
	}
	return nil
}

func (n *pagedNode) GetTransaction(_ context.Context, req *pb.GetTransactionRequest) (*pb.GetTransactionResponse, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.statuses) == 0 {
		return nil, status.Error(codes.NotFound, "unknown")
	}
	s := n.statuses[0]
	if len(n.statuses) > 1 {
		n.statuses = n.statuses[1:]
	}
	if s == pb.TransactionStatus_TRANSACTION_STATUS_UNSPECIFIED {
		return nil, refusal(codes.NotFound, "NOT_FOUND")
	}
	return &pb.GetTransactionResponse{Status: s, BlockHeight: 9}, nil
}

func collect[T any](t *testing.T, seq func(func(T, error) bool)) ([]T, error) {
	var out []T
	for item, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, item)
	}
	return out, nil
}

func TestPagesAreLazyIteratorsPassingTokensBack(t *testing.T) {
	node := &pagedNode{}
	c := serve(t, node)
	got, err := collect(t, c.Unspent(t.Context(), "timet1x"))
	if err != nil {
		t.Fatal(err)
	}
	var hs []uint64
	for _, u := range got {
		hs = append(hs, u.GetHeight())
	}
	if !slices.Equal(hs, span(1, 5)) || !slices.Equal(node.tokens, []string{"", "a", "b"}) {
		t.Errorf("items %v from tokens %v", hs, node.tokens)
	}
	node.tokens = nil
	for range c.Unspent(t.Context(), "timet1x") {
		break
	}
	if len(node.tokens) != 1 {
		t.Errorf("breaking after the first item fetched %d pages", len(node.tokens))
	}
	masternodes, err := collect(t, c.Masternodes(t.Context(), 0))
	if err != nil || len(masternodes) != 2 || !slices.Equal(node.heights, []uint64{0, 42}) {
		t.Errorf("masternodes %v asked at %v: %v", masternodes, node.heights, err)
	}
}

func TestAPageTokenGivenBackIsRefused(t *testing.T) {
	c := serve(t, &pagedNode{stuck: true})
	got, err := collect(t, c.Unspent(t.Context(), "timet1x"))
	var e *Error
	if !errors.As(err, &e) || e.Code != codes.Internal || e.Reason != ReasonInvalidArgument || len(got) != 2 {
		t.Errorf("%d items, %v", len(got), err)
	}
}

func TestRefusalsAreTypedWithTheirReason(t *testing.T) {
	tx := &pb.Transaction{Version: 2, Kind: pb.TransactionKind_TRANSACTION_KIND_TRANSFER}
	node := &pagedNode{submit: func(*pb.Transaction) (*pb.SubmitTransactionResponse, error) {
		return nil, refusal(codes.FailedPrecondition, "FEE_TOO_LOW")
	}}
	c := serve(t, node)
	_, err := c.Submit(t.Context(), tx)
	var e *Error
	if !errors.As(err, &e) || e.Code != codes.FailedPrecondition || e.Reason != ReasonFeeTooLow {
		t.Fatalf("%v", err)
	}
	if status.Code(err) != codes.FailedPrecondition || ReasonOf(fmt.Errorf("wrapped: %w", err)) != ReasonFeeTooLow {
		t.Errorf("the code or reason is lost: %v", err)
	}
	node.submit = func(*pb.Transaction) (*pb.SubmitTransactionResponse, error) {
		return nil, refusal(codes.FailedPrecondition, "A_REASON_OF_A_NEWER_NODE")
	}
	if _, err := c.Submit(t.Context(), tx); ReasonOf(err) != ReasonUnspecified || codeOf(err) != codes.FailedPrecondition {
		t.Errorf("an unknown reason: %v", err)
	}
	node.submit = func(*pb.Transaction) (*pb.SubmitTransactionResponse, error) {
		return &pb.SubmitTransactionResponse{Txid: make([]byte, 32)}, nil
	}
	if _, err := c.Submit(t.Context(), tx); codeOf(err) != codes.Internal {
		t.Errorf("another txid: %v", err)
	}
	if _, err := c.Status(t.Context()); codeOf(err) != codes.Unimplemented {
		t.Errorf("a call the node lacks: %v", err)
	}
}

func TestSubmitAllAnswersInTheOrderGiven(t *testing.T) {
	c := serve(t, &pagedNode{})
	var txs []*pb.Transaction
	for h := range uint64(4) {
		txs = append(txs, &pb.Transaction{Version: 2, Kind: pb.TransactionKind_TRANSACTION_KIND_REWARD,
			Payload: &pb.Transaction_Reward{Reward: &pb.RewardPayload{Height: h}}})
	}
	results, err := c.SubmitAll(t.Context(), txs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		if id, _ := TxID(txs[i]); !slices.Equal(r.TxID, id) {
			t.Errorf("result %d is of another transaction", i)
		}
	}
	if results[0].Err != nil || ReasonOf(results[1].Err) != ReasonAlreadySpent || results[2].Err != nil || codeOf(results[3].Err) != codes.Internal {
		t.Errorf("refusals %v", results)
	}
}

func TestAwaitFinalWaitsThroughNotFound(t *testing.T) {
	node := &pagedNode{statuses: []pb.TransactionStatus{0, pb.TransactionStatus_TRANSACTION_STATUS_PENDING, pb.TransactionStatus_TRANSACTION_STATUS_FINALIZED}}
	c := serve(t, node)
	if h, err := c.AwaitFinal(t.Context(), make([]byte, 32)); err != nil || h != 9 {
		t.Errorf("height %d, %v", h, err)
	}
	node.statuses = []pb.TransactionStatus{pb.TransactionStatus_TRANSACTION_STATUS_PENDING}
	ctx, cancel := context.WithTimeout(t.Context(), 100e6)
	defer cancel()
	_, err := c.AwaitFinal(ctx, make([]byte, 32))
	if codeOf(err) != codes.DeadlineExceeded || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("at the timeout: %v", err)
	}
}

type slowNode struct {
	pb.UnimplementedNodeServiceServer
}

func (slowNode) GetCertificate(ctx context.Context, _ *pb.GetCertificateRequest) (*pb.GetCertificateResponse, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestEachCallHasTheClientsDeadline(t *testing.T) {
	c := serve(t, slowNode{}, WithDeadline(50*time.Millisecond))
	start := time.Now()
	_, err := c.Certificate(t.Context(), 1)
	if codeOf(err) != codes.DeadlineExceeded || time.Since(start) > 5*time.Second {
		t.Errorf("%v after %v", err, time.Since(start))
	}
}

func TestATLSCAWithoutACertificateIsRefused(t *testing.T) {
	if _, err := Dial("24101", WithTLSCA([]byte("not a PEM"))); ReasonOf(err) != ReasonInvalidArgument {
		t.Errorf("%v", err)
	}
	if _, err := Dial("24101", WithTLSCAFile(filepath.Join(t.TempDir(), "absent.pem"))); ReasonOf(err) != ReasonInvalidArgument {
		t.Errorf("%v", err)
	}
}
