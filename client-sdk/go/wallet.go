package timecoin

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"google.golang.org/grpc/codes"

	pb "github.com/timecoin/timed/client-sdk/go/gen/timecoin/v1"
)

// Wallet is one Ed25519 key and the coins at its address (docs/sdk.md 5). It keeps no other
// state: every payment reads the address's finalized unspent outputs, so two payments in a row
// may pick the same coins; await the first (AwaitFinal) before sending the next.
type Wallet struct {
	seed, publicKey []byte
}

// GenerateWallet makes a wallet of a new random seed.
func GenerateWallet() (*Wallet, error) {
	seed := make([]byte, 32)
	if _, err := rand.Read(seed); err != nil {
		return nil, err
	}
	return WalletFromSeed(seed)
}

// WalletFromSeed is the wallet of a 32-byte RFC 8032 private key.
func WalletFromSeed(seed []byte) (*Wallet, error) {
	if len(seed) != 32 {
		return nil, newError(codes.InvalidArgument, ReasonInvalidArgument, "a seed is 32 bytes, not %d", len(seed))
	}
	return &Wallet{seed: slices.Clone(seed), publicKey: PublicKey(seed)}, nil
}

// PublicKey is the wallet's 32-byte public key.
func (w *Wallet) PublicKey() []byte { return slices.Clone(w.publicKey) }

// Address is the wallet's bech32m address on a chain.
func (w *Wallet) Address(chainID string) string { return EncodeAddress(w.publicKey, chainID) }

// Sign signs message with the wallet's key.
func (w *Wallet) Sign(message []byte) []byte { return Sign(w.seed, message) }

const keyFileHeader = "# timed Ed25519 key. Keep it secret: whoever holds it signs as this validator.\n"

// ReadKeyFile reads a key file in the node's format (`timed keygen`, docs/sdk.md 5). A file that
// anyone but its owner may read or write is refused.
func ReadKeyFile(path string) (*Wallet, error) {
	bad := func(format string, args ...any) error {
		return newError(codes.InvalidArgument, ReasonInvalidArgument, "%s: %s", path, fmt.Sprintf(format, args...))
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, bad("%v (create one with 'timed keygen')", err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return nil, bad("accessible by others (mode %v); refusing to use it. If no one else has read it, run: chmod 600 %s; otherwise make a new key", info.Mode().Perm(), path)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, bad("%v", err)
	}
	fields := map[string]string{}
	scanner := bufio.NewScanner(bytes.NewReader(raw))
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		name = strings.TrimSpace(name)
		if _, repeated := fields[name]; !ok || repeated {
			return nil, bad("malformed line or repeated field: %s", name)
		}
		fields[name] = strings.TrimSpace(value)
	}
	if fields["type"] != "ed25519" {
		return nil, bad("not an ed25519 key file (type=%s)", fields["type"])
	}
	seed, err := hex.DecodeString(fields["seed"])
	if err != nil || len(seed) != 32 {
		return nil, bad("the seed is not 64 hex digits")
	}
	w, _ := WalletFromSeed(seed)
	if !strings.EqualFold(hex.EncodeToString(w.publicKey), fields["public_key"]) {
		return nil, bad("public_key does not match the seed; the file is damaged")
	}
	return w, nil
}

// WriteKeyFile writes the wallet's key in the node's format, mode 0600 from the start, durably
// (the file and its folder fsynced). An existing file is never overwritten.
func (w *Wallet) WriteKeyFile(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	text := keyFileHeader + "type=ed25519\npublic_key=" + hex.EncodeToString(w.publicKey) + "\nseed=" + hex.EncodeToString(w.seed) + "\n"
	tmp := path + ".tmp"
	os.Remove(tmp)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(text)
	if err = errors.Join(err, f.Sync(), f.Close()); err == nil {
		// a hard link fails if path exists: the move is atomic and never overwrites
		err = os.Link(tmp, path)
	}
	os.Remove(tmp)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s: a key file is already there; move it away first if you really mean to replace it", path)
		}
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

// witnessBytes is one witness's share of TXW, counted before signing (docs/protocol.md 4.3).
const witnessBytes = 96

// BuildTransfer builds and signs a TRANSFER of amount to the address to (docs/sdk.md 5):
// coins largest first (ties by txid, then index), the exact required fee (or fee, if larger),
// change back to the wallet unless it would be zero or dust. It returns the transaction and its txid.
func (w *Wallet) BuildTransfer(ctx context.Context, c *Client, to string, amount, fee uint64) (*pb.Transaction, []byte, error) {
	if amount == 0 {
		return nil, nil, newError(codes.InvalidArgument, ReasonZeroOutput, "the amount is zero")
	}
	chainID, err := c.ChainID(ctx)
	if err != nil {
		return nil, nil, err
	}
	fees, err := c.feeParams(ctx)
	if err != nil {
		return nil, nil, err
	}
	if amount < fees.MinOutput {
		return nil, nil, newError(codes.InvalidArgument, ReasonDust, "%d units is below the chain's min_output %d", amount, fees.MinOutput)
	}
	recipient, err := DecodeAddress(to, chainID)
	if err != nil {
		return nil, nil, err
	}
	own := w.Address(chainID)
	var coins []*pb.UnspentOutput
	var available uint64
	for u, err := range c.Unspent(ctx, own) {
		if err != nil {
			return nil, nil, err
		}
		coins = append(coins, u)
		available += u.GetOutput().GetAmount() // the node's finalized coins fit in a u64
	}
	slices.SortFunc(coins, func(a, b *pb.UnspentOutput) int {
		if x, y := a.GetOutput().GetAmount(), b.GetOutput().GetAmount(); x != y {
			return compareUint(y, x) // largest first: fewest inputs, smallest fee
		}
		if d := bytes.Compare(a.GetOutpoint().GetTxid(), b.GetOutpoint().GetTxid()); d != 0 {
			return d
		}
		return compareUint(uint64(a.GetOutpoint().GetIndex()), uint64(b.GetOutpoint().GetIndex()))
	})
	tx := &pb.Transaction{Version: 2, Kind: pb.TransactionKind_TRANSACTION_KIND_TRANSFER,
		Outputs: []*pb.TxOutput{{Amount: amount, Address: recipient}}}
	placeholder := &pb.Witness{PublicKey: w.publicKey, Signature: make([]byte, 64)} // 96 bytes, as the signed one
	feeOf := func() (uint64, error) {
		required, err := RequiredFee(tx, fees)
		return max(required, fee), err
	}
	var selected, total uint64
	enough := false
	for _, u := range coins {
		tx.Inputs = append(tx.Inputs, &pb.TxInput{Outpoint: u.GetOutpoint(), Witness: placeholder})
		selected += u.GetOutput().GetAmount()
		f, err := feeOf()
		if err != nil {
			return nil, nil, err
		}
		var carry uint64
		if total, carry = bits.Add64(amount, f, 0); carry == 0 && selected >= total {
			enough = true
			break
		}
	}
	if !enough {
		f, _ := feeOf()
		return nil, nil, &InsufficientFundsError{Available: available, Required: amount + f}
	}
	// with a change output the fee grows; the change is added only if it stays above dust
	tx.Outputs = append(tx.Outputs, &pb.TxOutput{Address: AddressOf(w.publicKey)})
	f, err := feeOf()
	if err != nil {
		return nil, nil, err
	}
	if change := selected - amount; change > f && change-f >= fees.MinOutput {
		tx.Outputs[1].Amount = change - f
	} else {
		tx.Outputs = tx.Outputs[:1] // the remainder goes to the fee
	}
	txid, err := w.SignInputs(tx, chainID)
	return tx, txid, err
}

// SignInputs sets every input's witness to the wallet's key and its signature over
// TXSIG(chainID, txid), and returns the txid (which signing does not change).
func (w *Wallet) SignInputs(tx *pb.Transaction, chainID string) ([]byte, error) {
	txid, err := TxID(tx)
	if err != nil {
		return nil, err
	}
	signed, _ := TxSigBytes(chainID, txid)
	sig := w.Sign(signed)
	for _, in := range tx.Inputs {
		in.Witness = &pb.Witness{PublicKey: w.publicKey, Signature: sig}
	}
	return txid, nil
}

// Transfer builds, signs and submits a TRANSFER (BuildTransfer) and returns its txid; fee 0
// pays exactly the required fee.
func (w *Wallet) Transfer(ctx context.Context, c *Client, to string, amount, fee uint64) ([]byte, error) {
	tx, _, err := w.BuildTransfer(ctx, c, to, amount, fee)
	if err != nil {
		return nil, err
	}
	return c.Submit(ctx, tx)
}

func compareUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
