package timecoin

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	pb "github.com/timecoin/timed/client-sdk/go/gen/timecoin/v1"
)

func TestKeyFileRoundTripInTheNodesFormat(t *testing.T) {
	w, err := GenerateWallet()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "keys", "alice.key")
	if err := w.WriteKeyFile(path); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(path)
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", info.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	lines := strings.Split(string(raw), "\n")
	if lines[1] != "type=ed25519" || !strings.HasPrefix(lines[2], "public_key=") || !strings.HasPrefix(lines[3], "seed=") {
		t.Errorf("file:\n%s", raw)
	}
	read, err := ReadKeyFile(path)
	if err != nil || !bytes.Equal(read.PublicKey(), w.PublicKey()) {
		t.Fatalf("read back: %v", err)
	}
	if err := w.WriteKeyFile(path); err == nil || !strings.Contains(err.Error(), "already there") {
		t.Errorf("overwrote an existing key file: %v", err)
	}
	os.Chmod(path, 0o644)
	if _, err := ReadKeyFile(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a file others may read: %v", err)
	}
	for name, text := range map[string]string{
		"damaged":     strings.Replace(string(raw), lines[2], "public_key="+hex.EncodeToString(PublicKey(Sha256([]byte("other")))), 1),
		"repeated":    string(raw) + "type=ed25519\n",
		"no equals":   string(raw) + "junk\n",
		"not ed25519": strings.Replace(string(raw), "type=ed25519", "type=rsa", 1),
	} {
		p := filepath.Join(t.TempDir(), name)
		os.WriteFile(p, []byte(text), 0o600)
		if _, err := ReadKeyFile(p); err == nil {
			t.Errorf("%s: read", name)
		}
	}
}

// coinNode serves a genesis root and the wallet's coins.
func walletClient(t *testing.T, amounts ...uint64) (*Client, *Wallet) {
	w, _ := WalletFromSeed(Sha256([]byte("wallet")))
	node := &pagedNode{fakeNode: fakeNode{chain: newTestChain(t, 1, nil)}}
	for i, a := range amounts {
		node.unspent = append(node.unspent, &pb.UnspentOutput{
			Outpoint: &pb.OutPoint{Txid: bytes.Repeat([]byte{byte(i + 1)}, 32), Index: uint32(i)},
			Output:   &pb.TxOutput{Amount: a, Address: AddressOf(w.PublicKey())}, Height: 1})
	}
	return serve(t, node, WithFees(DefaultFees)), w
}

func TestTransferTakesTheLargestCoinsAndTheExactFee(t *testing.T) {
	c, w := walletClient(t, 50_000, 900_000, 400_000, 900_000)
	to := EncodeAddress(PublicKey(Sha256([]byte("bob"))), testChainID)
	tx, txid, err := w.BuildTransfer(t.Context(), c, to, 1_000_000, 0)
	if err != nil {
		t.Fatal(err)
	}
	ins := tx.GetInputs()
	// the two 900,000 coins, the lower txid first: the fewest inputs
	if len(ins) != 2 || ins[0].GetOutpoint().GetTxid()[0] != 2 || ins[1].GetOutpoint().GetTxid()[0] != 4 {
		t.Errorf("inputs %v", ins)
	}
	fee := 1_800_000 - tx.GetOutputs()[0].GetAmount() - tx.GetOutputs()[1].GetAmount()
	if required, _ := RequiredFee(tx, DefaultFees); fee != required {
		t.Errorf("fee %d, required %d", fee, required)
	}
	if !bytes.Equal(tx.GetOutputs()[1].GetAddress(), AddressOf(w.PublicKey())) {
		t.Error("the change is not the wallet's")
	}
	signed, _ := TxSigBytes(testChainID, txid)
	for _, in := range ins {
		if !Verify(in.GetWitness().GetPublicKey(), signed, in.GetWitness().GetSignature()) {
			t.Error("an input's witness does not verify")
		}
	}
	if id, _ := TxID(tx); !bytes.Equal(id, txid) {
		t.Error("txid")
	}
}

func TestTransferLeavesDustChangeToTheFee(t *testing.T) {
	c, w := walletClient(t, 1_005_000)
	to := EncodeAddress(PublicKey(Sha256([]byte("bob"))), testChainID)
	tx, _, err := w.BuildTransfer(t.Context(), c, to, 1_000_000, 0)
	if err != nil || len(tx.GetOutputs()) != 1 {
		t.Fatalf("%v, %v", tx, err)
	}
	if _, _, err := w.BuildTransfer(t.Context(), c, to, 5_000, 0); ReasonOf(err) != ReasonDust {
		t.Errorf("a dust amount: %v", err)
	}
	if _, _, err := w.BuildTransfer(t.Context(), c, "time1qqqq", 50_000, 0); ReasonOf(err) != ReasonInvalidArgument {
		t.Errorf("a bad address: %v", err)
	}
	_, _, err = w.BuildTransfer(t.Context(), c, to, 1_005_000, 0)
	var funds *InsufficientFundsError
	if !errors.As(err, &funds) || funds.Available != 1_005_000 || funds.Required <= 1_005_000 {
		t.Errorf("too much: %v", err)
	}
}
