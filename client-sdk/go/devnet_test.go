package timecoin_test

// Against a real devnet of 4 validators started from the node's jar (server/target/timed.jar):
// the verified subscription, a payment, refusals by reason, a resume through a cut connection,
// and the README's examples.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	timecoin "github.com/timecoin/timed/client-sdk/go"
	pb "github.com/timecoin/timed/client-sdk/go/gen/timecoin/v1"
)

var devnet struct {
	cmd    *exec.Cmd
	exited chan struct{}
	home   string
}

func TestMain(m *testing.M) {
	interrupted := make(chan os.Signal, 1)
	signal.Notify(interrupted, os.Interrupt, syscall.SIGTERM)
	go func() { <-interrupted; stopDevnet(); os.Exit(1) }() // a Ctrl-C leaves no validator behind
	code := m.Run()
	stopDevnet()
	os.Exit(code)
}

// freeBase picks a base port B with every port of 4 nodes (B+10i+0..2) free on 127.0.0.1.
func freeBase() (int, error) {
	for range 50 {
		base := 20_000 + 10*rand.IntN(3_000)
		free := true
		for i := range 4 {
			for j := range 3 {
				ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(base+10*i+j))
				if err != nil {
					free = false
					break
				}
				ln.Close()
			}
		}
		if free {
			return base, nil
		}
	}
	return 0, errors.New("no free base port")
}

// startDevnet runs `timed devnet` with 250 ms blocks in a fresh home, and returns node 0's client port.
func startDevnet(t *testing.T) string {
	jar, _ := filepath.Abs("../../server/target/timed.jar")
	if j := os.Getenv("TIMED_JAR"); j != "" {
		jar = j
	}
	if _, err := os.Stat(jar); err != nil {
		t.Fatalf("no node jar at %s: build it first with `mvn -B -ntp -q package -DskipTests` in the repository root (or set TIMED_JAR)", jar)
	}
	base, err := freeBase()
	if err != nil {
		t.Fatal(err)
	}
	home, err := os.MkdirTemp("", "timecoin-go-devnet-")
	if err != nil {
		t.Fatal(err)
	}
	logFile, _ := os.Create(filepath.Join(home, "devnet.out"))
	cmd := exec.Command("java", "-jar", jar, "devnet", "--home", filepath.Join(home, "devnet"),
		"--base-port", strconv.Itoa(base), "--block-interval-ms", "250")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // so that stopping it stops every validator
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	devnet.cmd, devnet.home, devnet.exited = cmd, filepath.Join(home, "devnet"), make(chan struct{})
	go func() { cmd.Wait(); close(devnet.exited) }()
	target := "127.0.0.1:" + strconv.Itoa(base+1)
	c, err := timecoin.Dial(target)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(250 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		s, err := c.Status(ctx)
		cancel()
		if err == nil && s.GetFinalizedHeight() >= 1 {
			return target
		}
		exited := false
		select {
		case <-devnet.exited:
			exited = true
		default:
		}
		if time.Now().After(deadline) || exited {
			out, _ := os.ReadFile(logFile.Name())
			t.Fatalf("the devnet did not answer GetStatus on %s (%v); its output:\n%s", target, err, out)
		}
	}
}

var stopOnce sync.Once

// stopDevnet stops every validator (the process group), at most once.
func stopDevnet() { stopOnce.Do(stopDevnetNow) }

func stopDevnetNow() {
	if devnet.cmd == nil {
		return
	}
	pgid := devnet.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-devnet.exited:
	case <-time.After(20 * time.Second):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-devnet.exited
	}
	os.RemoveAll(filepath.Dir(devnet.home))
}

func TestDevnet(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the devnet test needs java and server/target/timed.jar")
	}
	target := startDevnet(t)
	t.Cleanup(stopDevnet) // also when the test panics
	root, err := timecoin.GenesisRootFromFile(filepath.Join(devnet.home, "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	client, err := timecoin.Dial(target, timecoin.WithTrustRoot(root))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	t.Run("verified subscription from height 1 for 20 blocks", func(t *testing.T) {
		var got []uint64
		var prev []byte
		for b, err := range client.Subscribe(ctx, 1) {
			if err != nil {
				t.Fatal(err)
			}
			if prev != nil && !bytes.Equal(b.Block.Header.PrevHash, prev) {
				t.Fatalf("block %d does not chain", b.Height)
			}
			got, prev = append(got, b.Height), b.Hash
			if len(got) == 20 {
				break
			}
		}
		if !slices.Equal(got, span(1, 20)) {
			t.Errorf("heights %v", got)
		}
		status, err := client.Status(ctx)
		if err != nil || !bytes.Equal(status.GetGenesisHash(), root.Hash) {
			t.Errorf("the node's genesis %x is not genesis.json's %x (%v)", status.GetGenesisHash(), root.Hash, err)
		}
	})

	faucet, err := timecoin.ReadKeyFile(filepath.Join(devnet.home, "faucet.key"))
	if err != nil {
		t.Fatal(err)
	}
	chainID, _ := client.ChainID(ctx)
	alice, _ := timecoin.GenerateWallet()
	var paid *pb.Transaction

	t.Run("a transfer from the faucet, awaited final and found in a verified block", func(t *testing.T) {
		tx, txid, err := faucet.BuildTransfer(ctx, client, alice.Address(chainID), 250_000_000, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.Submit(ctx, tx); err != nil {
			t.Fatal(err)
		}
		height, err := client.AwaitFinal(ctx, txid)
		if err != nil {
			t.Fatal(err)
		}
		balance, err := client.Balance(ctx, alice.Address(chainID))
		if err != nil || balance.GetBalance() != 250_000_000 {
			t.Errorf("alice holds %d (%v)", balance.GetBalance(), err)
		}
		var history []*pb.AddressTransaction
		for a, err := range client.AddressTransactions(ctx, alice.Address(chainID)) {
			if err != nil {
				t.Fatal(err)
			}
			history = append(history, a)
		}
		if len(history) != 1 || !bytes.Equal(history[0].Txid, txid) || history[0].Received != 250_000_000 || history[0].Height != height {
			t.Errorf("alice's history is %v, want the one transfer of 2.5 TIME at height %d", history, height)
		}
		for b, err := range client.Subscribe(ctx, height) {
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(b.Block.Body.Transactions, func(x *pb.Transaction) bool { id, _ := timecoin.TxID(x); return bytes.Equal(id, txid) }) {
				t.Errorf("the txid is not in the verified block %d", b.Height)
			}
			break
		}
		paid = tx
	})

	t.Run("refusals by reason", func(t *testing.T) {
		if paid == nil {
			t.Skip("needs the transfer")
		}
		refused := func(tx *pb.Transaction, reason timecoin.Reason) {
			t.Helper()
			_, err := client.Submit(ctx, tx)
			var e *timecoin.Error
			if !errors.As(err, &e) || e.Code != codes.FailedPrecondition || e.Reason != reason {
				t.Errorf("%v, want FAILED_PRECONDITION/%s", err, timecoin.ReasonName(reason))
			}
		}
		forged, _, err := faucet.BuildTransfer(ctx, client, alice.Address(chainID), 100_000_000, 0)
		if err != nil {
			t.Fatal(err)
		}
		forged.Inputs[0].Witness.Signature[7] ^= 1
		refused(forged, timecoin.ReasonBadSignature)

		cheap, _, _ := faucet.BuildTransfer(ctx, client, alice.Address(chainID), 100_000_000, 0)
		cheap.Outputs[len(cheap.Outputs)-1].Amount++ // one unit below the required fee
		faucet.SignInputs(cheap, chainID)
		refused(cheap, timecoin.ReasonFeeTooLow)

		again := proto.Clone(paid).(*pb.Transaction)
		again.Outputs[0].Amount-- // another transaction spending the coins already spent
		faucet.SignInputs(again, chainID)
		refused(again, timecoin.ReasonAlreadySpent)
	})

	t.Run("resume through a proxy that cuts the connection twice", func(t *testing.T) {
		p := newProxy(t, target)
		viaProxy, err := timecoin.Dial(p.addr(), timecoin.WithTrustRoot(root))
		if err != nil {
			t.Fatal(err)
		}
		defer viaProxy.Close()
		status, err := client.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		from := status.GetFinalizedHeight() // live blocks: a cut cannot hide behind blocks already buffered
		var got []uint64
		for b, err := range viaProxy.Subscribe(ctx, from) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, b.Height)
			if len(got) == 3 || len(got) == 6 {
				p.cut()
			}
			if len(got) == 10 {
				break
			}
		}
		if !slices.Equal(got, span(from, from+9)) {
			t.Errorf("heights %v, want %d..%d once each", got, from, from+9)
		}
		if n := p.connections(); n < 3 {
			t.Errorf("%d connections: the cuts did not happen", n)
		}
	})

	t.Run("the README examples", func(t *testing.T) {
		bin := t.TempDir()
		build := exec.Command("go", "build", "-o", bin, "./examples/...")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		genesis := filepath.Join(devnet.home, "genesis.json")
		run := func(name string, args ...string) string {
			cmd := exec.CommandContext(ctx, filepath.Join(bin, name), append([]string{"-target", target, "-genesis", genesis}, args...)...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", name, err, out)
			}
			return string(out)
		}
		if out := run("subscribe", "-blocks", "3"); strings.Count(out, "\n") != 3 || !strings.HasPrefix(out, "block 1 ") {
			t.Errorf("subscribe printed:\n%s", out)
		}
		if out := run("send", "-key", filepath.Join(devnet.home, "faucet.key")); !strings.Contains(out, "final in block") {
			t.Errorf("send printed:\n%s", out)
		}
	})
}

func span(from, to uint64) []uint64 {
	var out []uint64
	for h := from; h <= to; h++ {
		out = append(out, h)
	}
	return out
}

// proxy forwards TCP connections to a target until cut closes them all.
type proxy struct {
	ln    net.Listener
	to    string
	mu    sync.Mutex
	open  []net.Conn
	count int
}

func newProxy(t *testing.T, to string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, to: to}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", to)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.open, p.count = append(p.open, in, out), p.count+1
			p.mu.Unlock()
			go func() { io.Copy(out, in); out.Close() }()
			go func() { io.Copy(in, out); in.Close() }()
		}
	}()
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.open {
		c.Close()
	}
	p.open = nil
}

func (p *proxy) connections() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.count
}
