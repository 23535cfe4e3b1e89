package timecoin

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"io"
	"iter"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/status"

	pb "github.com/timecoin/timed/client-sdk/go/gen/timecoin/v1"
)

// Client talks to one node's client port (docs/sdk.md 1, 2). It is safe for concurrent use; the
// connection opens lazily, on the first call.
type Client struct {
	conn   *grpc.ClientConn
	node   pb.NodeServiceClient
	opts   options
	chain  *trustedChain
	closed atomic.Bool
}

type options struct {
	caPEM       []byte
	caFile      string
	deadline    time.Duration
	root        *TrustRoot
	fees        *FeeParams
	dial        []grpc.DialOption
	logger      *slog.Logger
	silence     time.Duration // a subscription that hears nothing this long resubscribes
	backoffBase time.Duration
	backoffCap  time.Duration
	pollEvery   time.Duration
}

// Option configures a Client.
type Option func(*options)

// WithTLSCA makes the client use TLS, trusting the CA certificate(s) in PEM.
func WithTLSCA(pem []byte) Option { return func(o *options) { o.caPEM = pem } }

// WithTLSCAFile is WithTLSCA from a PEM file (a devnet's node-0/tls/ca.pem).
func WithTLSCAFile(path string) Option { return func(o *options) { o.caFile = path } }

// WithDeadline is the time limit of each unary call, and of a whole SubmitAll stream (default 10 s).
// Subscriptions have none.
func WithDeadline(d time.Duration) Option { return func(o *options) { o.deadline = d } }

// WithTrustRoot pins the root every verified answer is chained to (docs/sdk.md 1). Without it the
// client trusts the first genesis the node shows it, and logs that at WARN.
func WithTrustRoot(r TrustRoot) Option { return func(o *options) { o.root = &r } }

// WithFees sets the fee and dust parameters the wallet pays by. Without it they come from the
// GENESIS transaction of block 0 under a genesis root, or are DefaultFees under a checkpoint.
func WithFees(f FeeParams) Option { return func(o *options) { o.fees = &f } }

// WithDialOptions adds gRPC dial options (after the SDK's own, so they win).
func WithDialOptions(d ...grpc.DialOption) Option {
	return func(o *options) { o.dial = append(o.dial, d...) }
}

// WithLogger sets where the client logs (the WARN of an unpinned root); default slog.Default().
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// Target is the gRPC target of a node's client port: `host:port`, or a bare port N for
// 127.0.0.1:N. A host without a port is refused (gRPC would dial 443, where no node listens);
// a gRPC URI with a scheme (dns:///..., unix:...) passes unchanged.
func Target(target string) (string, error) {
	if strings.Contains(target, ":///") || strings.HasPrefix(target, "unix:") || strings.HasPrefix(target, "passthrough:") {
		return target, nil
	}
	if n, err := strconv.ParseUint(target, 10, 16); err == nil && n > 0 {
		return net.JoinHostPort("127.0.0.1", target), nil
	}
	host, port, err := net.SplitHostPort(target)
	if err != nil || host == "" || port == "" {
		return "", newError(codes.InvalidArgument, ReasonInvalidArgument,
			"target %q is not host:port or a port (a host alone would dial port 443)", target)
	}
	return target, nil
}

// Dial makes a client of the node at target (see Target). The connection opens on the first call.
func Dial(target string, opts ...Option) (*Client, error) {
	o := options{deadline: 10 * time.Second, silence: 15 * time.Second, backoffBase: 100 * time.Millisecond,
		backoffCap: 5 * time.Second, pollEvery: 250 * time.Millisecond, logger: slog.Default()}
	for _, opt := range opts {
		opt(&o)
	}
	t, err := Target(target)
	if err != nil {
		return nil, err
	}
	creds := insecure.NewCredentials()
	if o.caFile != "" {
		if o.caPEM, err = os.ReadFile(o.caFile); err != nil {
			return nil, &Error{Code: codes.InvalidArgument, Reason: ReasonInvalidArgument, Message: err.Error(), cause: err}
		}
	}
	if o.caPEM != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(o.caPEM) {
			return nil, newError(codes.InvalidArgument, ReasonInvalidArgument, "no CA certificate in the TLS CA PEM")
		}
		creds = credentials.NewTLS(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
	}
	dial := append([]grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		// pings every 30 s, also without calls: the node accepts 10 s or slower (docs/sdk.md 1)
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 30 * time.Second, Timeout: 10 * time.Second, PermitWithoutStream: true}),
		// a block is up to 4 MiB plus its certificate and reward
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(16 << 20)),
	}, o.dial...)
	conn, err := grpc.NewClient(t, dial...)
	if err != nil {
		return nil, newError(codes.InvalidArgument, ReasonInvalidArgument, "target %q: %v", target, err)
	}
	c := &Client{conn: conn, node: pb.NewNodeServiceClient(conn), opts: o}
	c.chain = &trustedChain{client: c}
	return c, nil
}

// Close closes the connection: calls in flight fail and subscriptions end with CANCELLED.
func (c *Client) Close() error {
	c.closed.Store(true)
	return c.conn.Close()
}

// Node is the generated NodeService client on the same connection, for what the SDK does not wrap.
func (c *Client) Node() pb.NodeServiceClient { return c.node }

// unary runs one call under the client's deadline, its failure as an *Error.
func unary[Req, Resp any](c *Client, ctx context.Context, call func(context.Context, Req, ...grpc.CallOption) (Resp, error), req Req) (Resp, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.deadline)
	defer cancel()
	resp, err := call(ctx, req)
	return resp, asError(err)
}

// Status is GetStatus: the node's word on its chain, height and peers.
func (c *Client) Status(ctx context.Context) (*pb.GetStatusResponse, error) {
	return unary(c, ctx, c.node.GetStatus, &pb.GetStatusRequest{})
}

// Block is GetBlock by height: the finalized block and its certificate (none for block 0).
func (c *Client) Block(ctx context.Context, height uint64) (*pb.GetBlockResponse, error) {
	return unary(c, ctx, c.node.GetBlock, &pb.GetBlockRequest{Selector: &pb.GetBlockRequest_Height{Height: height}})
}

// BlockByHash is GetBlock by a 32-byte block hash.
func (c *Client) BlockByHash(ctx context.Context, hash []byte) (*pb.GetBlockResponse, error) {
	return unary(c, ctx, c.node.GetBlock, &pb.GetBlockRequest{Selector: &pb.GetBlockRequest_Hash{Hash: hash}})
}

// Certificate is GetCertificate: a valid certificate of a height >= 1, possibly not the one
// block h+1 carries.
func (c *Client) Certificate(ctx context.Context, height uint64) (*pb.FinalityCertificate, error) {
	r, err := unary(c, ctx, c.node.GetCertificate, &pb.GetCertificateRequest{Height: height})
	return r.GetCertificate(), err
}

// Transaction is GetTransaction: the transaction with its witnesses, PENDING or FINALIZED.
func (c *Client) Transaction(ctx context.Context, txid []byte) (*pb.GetTransactionResponse, error) {
	return unary(c, ctx, c.node.GetTransaction, &pb.GetTransactionRequest{Txid: txid})
}

// Balance is GetBalance of a bech32m address of the node's chain.
func (c *Client) Balance(ctx context.Context, address string) (*pb.GetBalanceResponse, error) {
	return unary(c, ctx, c.node.GetBalance, &pb.GetBalanceRequest{Address: address})
}

// Masternode is GetMasternode at a height (0 = the next to be finalized).
func (c *Client) Masternode(ctx context.Context, key []byte, height uint64) (*pb.Masternode, error) {
	r, err := unary(c, ctx, c.node.GetMasternode, &pb.GetMasternodeRequest{ConsensusKey: key, Height: height})
	return r.GetMasternode(), err
}

// ValidatorSet is GetValidatorSet (0 = the next height): the node's word, for display. The
// subscription derives the sets it checks with from the trust root instead.
func (c *Client) ValidatorSet(ctx context.Context, height uint64) (*pb.ValidatorSet, error) {
	r, err := unary(c, ctx, c.node.GetValidatorSet, &pb.GetValidatorSetRequest{Height: height})
	return r.GetValidatorSet(), err
}

// ValidatorSetChanges is GetValidatorSetChanges, unchecked (the subscription checks them).
func (c *Client) ValidatorSetChanges(ctx context.Context, from uint64, limit uint32) (*pb.GetValidatorSetChangesResponse, error) {
	return unary(c, ctx, c.node.GetValidatorSetChanges, &pb.GetValidatorSetChangesRequest{FromHeight: from, Limit: limit})
}

// Submit is SubmitTransaction; it returns the txid, which must be the SDK's own (else INTERNAL:
// the node's canonical bytes differ from the SDK's).
func (c *Client) Submit(ctx context.Context, tx *pb.Transaction) ([]byte, error) {
	own, err := TxID(tx)
	if err != nil {
		return nil, err
	}
	r, err := unary(c, ctx, c.node.SubmitTransaction, &pb.SubmitTransactionRequest{Transaction: tx})
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(r.GetTxid(), own) {
		return nil, newError(codes.Internal, ReasonUnspecified, "the node answered txid %x for the SDK's %x", r.GetTxid(), own)
	}
	return own, nil
}

// SubmitResult is the node's answer to one transaction of SubmitAll.
type SubmitResult struct {
	TxID []byte
	Err  error // the refusal, an *Error; nil when admitted, held or final
}

// SubmitAll sends txs on one SubmitTransactions stream as fast as the node reads them, and gives
// the answers in the order of txs (the node answers in the order it finishes). A transaction the
// stream ended without answering gets an INTERNAL refusal; only a failure of the stream itself
// fails the call. The client's deadline covers the whole stream.
func (c *Client) SubmitAll(ctx context.Context, txs []*pb.Transaction) ([]SubmitResult, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.deadline)
	defer cancel()
	stream, err := c.node.SubmitTransactions(ctx)
	if err != nil {
		return nil, asError(err)
	}
	results := make([]SubmitResult, len(txs))
	waiting := map[string][]int{} // txid -> indexes not answered yet, in order
	for i, tx := range txs {
		id, _ := TxID(tx) // nil when the SDK cannot encode it; the node will say why
		results[i].TxID = id
		waiting[string(id)] = append(waiting[string(id)], i)
	}
	sent := make(chan error, 1)
	go func() {
		for _, tx := range txs {
			if err := stream.Send(&pb.SubmitTransactionsRequest{Transaction: tx}); err != nil {
				sent <- err // Recv tells the stream's real status
				return
			}
		}
		sent <- stream.CloseSend()
	}()
	answered := 0
	for answered < len(txs) {
		r, err := stream.Recv()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, asError(err)
		}
		queue := waiting[string(r.GetTxid())]
		if len(queue) == 0 {
			queue = waiting[""] // a transaction the node could not give a txid either
		}
		if len(queue) == 0 {
			continue // an answer for nothing sent: ignored
		}
		i := queue[0]
		waiting[string(results[i].TxID)] = queue[1:]
		if s := r.GetError(); s != nil {
			results[i].Err = asError(status.ErrorProto(s))
		}
		answered++
	}
	<-sent
	for _, queue := range waiting {
		for _, i := range queue {
			results[i].Err = newError(codes.Internal, ReasonUnspecified, "the stream ended without an answer")
		}
	}
	return results, nil
}

// pages walks a paginated list lazily (docs/sdk.md 3): the next page is fetched only when the
// caller reaches it, each under the client's deadline; a node that gives back the token it was
// given would loop forever and is refused (INTERNAL / INVALID_ARGUMENT).
func pages[T any](c *Client, ctx context.Context, fetch func(ctx context.Context, token string) ([]T, string, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		token := ""
		for {
			pageCtx, cancel := context.WithTimeout(ctx, c.opts.deadline)
			got, next, err := fetch(pageCtx, token)
			cancel()
			if err != nil {
				yield(zero, asError(err))
				return
			}
			for _, item := range got {
				if !yield(item, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			if next == token {
				yield(zero, newError(codes.Internal, ReasonInvalidArgument, "the node gave back the page token %q", token))
				return
			}
			token = next
		}
	}
}

// Unspent is ListUnspent: the address's finalized unspent outputs by outpoint, page by page.
func (c *Client) Unspent(ctx context.Context, address string) iter.Seq2[*pb.UnspentOutput, error] {
	return pages(c, ctx, func(ctx context.Context, token string) ([]*pb.UnspentOutput, string, error) {
		r, err := c.node.ListUnspent(ctx, &pb.ListUnspentRequest{Address: address, PageToken: token})
		return r.GetOutputs(), r.GetNextPageToken(), err
	})
}

// AddressTransactions is ListAddressTransactions: the finalized transactions that pay to or
// spend from an address, newest first, fetched a page at a time as the loop asks.
func (c *Client) AddressTransactions(ctx context.Context, address string) iter.Seq2[*pb.AddressTransaction, error] {
	return pages(c, ctx, func(ctx context.Context, token string) ([]*pb.AddressTransaction, string, error) {
		r, err := c.node.ListAddressTransactions(ctx, &pb.ListAddressTransactionsRequest{Address: address, PageToken: token})
		return r.GetTransactions(), r.GetNextPageToken(), err
	})
}

// Masternodes is ListMasternodes at a height (0 = the next). Every page after the first asks
// for the height the first one answered with, since "the next height" can move between pages.
func (c *Client) Masternodes(ctx context.Context, height uint64) iter.Seq2[*pb.Masternode, error] {
	return func(yield func(*pb.Masternode, error) bool) {
		at := height // per iteration: each walk pins its own first page's height
		pages(c, ctx, func(ctx context.Context, token string) ([]*pb.Masternode, string, error) {
			r, err := c.node.ListMasternodes(ctx, &pb.ListMasternodesRequest{Height: at, PageToken: token})
			if err == nil && at == 0 {
				at = r.GetHeight()
			}
			return r.GetMasternodes(), r.GetNextPageToken(), err
		})(yield)
	}
}

// Evidence is ListEvidence from a height: equivocation evidence, oldest first.
func (c *Client) Evidence(ctx context.Context, from uint64) iter.Seq2[*pb.EquivocationEvidence, error] {
	return pages(c, ctx, func(ctx context.Context, token string) ([]*pb.EquivocationEvidence, string, error) {
		r, err := c.node.ListEvidence(ctx, &pb.ListEvidenceRequest{FromHeight: from, PageToken: token})
		return r.GetEvidence(), r.GetNextPageToken(), err
	})
}

// AwaitFinal polls GetTransaction every 250 ms until the transaction is FINALIZED and returns
// its block height. NOT_FOUND (not relayed yet), UNAVAILABLE and a call's own deadline are
// waited through; ctx's end
// gives DEADLINE_EXCEEDED (or CANCELLED) with the last status seen. Like the Java SDK it takes
// the node's word; a proof is the txid in a block of Subscribe.
func (c *Client) AwaitFinal(ctx context.Context, txid []byte) (uint64, error) {
	last := "no answer"
	tick := time.NewTicker(c.opts.pollEvery)
	defer tick.Stop()
	for {
		r, err := c.Transaction(ctx, txid)
		switch code := codeOf(err); {
		case err == nil && r.GetStatus() == pb.TransactionStatus_TRANSACTION_STATUS_FINALIZED:
			return r.GetBlockHeight(), nil
		case err == nil:
			last = r.GetStatus().String()
		case code == codes.NotFound || code == codes.Unavailable || code == codes.DeadlineExceeded:
			// a call's deadline: the server may end it a moment before ctx's own timer fires
			last = err.Error()
		case ctx.Err() == nil:
			return 0, err
		}
		select {
		case <-ctx.Done():
			return 0, &Error{Code: codeOf(asError(ctx.Err())), Message: "transaction " + hex.EncodeToString(txid) + " not final; last seen: " + last, cause: ctx.Err()}
		case <-tick.C:
		}
	}
}

func codeOf(err error) codes.Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return codes.OK
	}
	return codes.Unknown
}
