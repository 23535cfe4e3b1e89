// The Go runner of the conformance scenario (integration-tests/conformance/README.md):
//
//	go run . SCENARIO.json SETUP.json
//
// prints what the Go SDK sees, one fact a line, in the format every runner prints.
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"strconv"
	"time"

	"google.golang.org/protobuf/proto"

	timecoin "github.com/timecoin/timed/client-sdk/go"
	pb "github.com/timecoin/timed/client-sdk/go/gen/timecoin/v1"
)

const transactionVersion = 2 // docs/protocol.md 2

type scenario struct {
	Keys                 map[string]string `json:"keys"`
	BlocksAfterSetChange uint64            `json:"blocks_after_set_change"`
	Certificates         []struct {
		Name              string `json:"name"`
		Height            uint64 `json:"height"`
		FlipSignatureByte *struct {
			Signer int `json:"signer"`
			Byte   int `json:"byte"`
		} `json:"flip_signature_byte"`
		ReplaceLastSignerKey string `json:"replace_last_signer_key"`
		KeepSigners          *int   `json:"keep_signers"`
		RepeatSigner         *int   `json:"repeat_signer"`
		NilBlockHash         bool   `json:"nil_block_hash"`
		HeightPlusOne        bool   `json:"height_plus_one"`
	} `json:"certificates"`
	Transactions []struct {
		Name              string `json:"name"`
		Input             int    `json:"input"`
		To                string `json:"to"`
		Amount            string `json:"amount"`
		Fee               string `json:"fee"`
		ExpectFinal       bool   `json:"expect_final"`
		FlipSignatureByte *int   `json:"flip_signature_byte"`
	} `json:"transactions"`
}

type setup struct {
	Target          string `json:"target"`
	GenesisHash     string `json:"genesis_hash"`
	SetChangeHeight uint64 `json:"set_change_height"`
	Inputs          []struct {
		Txid   string `json:"txid"`
		Index  uint32 `json:"index"`
		Amount string `json:"amount"`
	} `json:"inputs"`
}

func main() {
	var sc scenario
	var su setup
	read(os.Args[1], &sc)
	read(os.Args[2], &su)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	root, err := timecoin.ParseGenesisRoot(su.GenesisHash)
	check(err)
	client, err := timecoin.Dial(su.Target, timecoin.WithTrustRoot(root), timecoin.WithDeadline(30*time.Second))
	check(err)
	defer client.Close()
	chainID, err := client.ChainID(ctx)
	check(err)

	last := su.SetChangeHeight + sc.BlocksAfterSetChange
	for b, err := range client.Subscribe(ctx, 1) {
		check(err)
		fmt.Printf("block %d %x\n", b.Height, b.Hash)
		if b.Height >= last {
			break
		}
	}

	for _, h := range []uint64{su.SetChangeHeight - 1, su.SetChangeHeight} {
		validators, hash, err := client.VerifiedValidatorSet(ctx, h)
		check(err)
		fmt.Printf("set %d %x %d\n", h, hash, len(validators))
	}

	for _, how := range sc.Certificates {
		cert, err := client.Certificate(ctx, how.Height)
		check(err)
		cert = proto.Clone(cert).(*pb.FinalityCertificate)
		if f := how.FlipSignatureByte; f != nil {
			cert.Signatures[f.Signer].Signature[f.Byte] ^= 1
		}
		if how.ReplaceLastSignerKey != "" {
			cert.Signatures[len(cert.Signatures)-1].Validator = unhex(how.ReplaceLastSignerKey)
		}
		if how.KeepSigners != nil {
			cert.Signatures = cert.Signatures[:*how.KeepSigners]
		}
		if i := how.RepeatSigner; i != nil {
			copied := proto.Clone(cert.Signatures[*i]).(*pb.CertificateSignature)
			cert.Signatures = append(cert.Signatures[:*i+1], append([]*pb.CertificateSignature{copied}, cert.Signatures[*i+1:]...)...)
		}
		if how.NilBlockHash {
			cert.BlockHash = make([]byte, 32)
		}
		if how.HeightPlusOne {
			cert.Height++
		}
		validators, _, err := client.VerifiedValidatorSet(ctx, how.Height)
		check(err)
		verdict := "valid"
		if v := timecoin.CheckCertificate(chainID, cert, validators); v.Reason != timecoin.ReasonUnspecified {
			verdict = timecoin.ReasonName(v.Reason)
		}
		fmt.Printf("certificate %s %s\n", how.Name, verdict)
	}

	keys := map[string]*timecoin.Wallet{}
	for name, seed := range sc.Keys {
		w, err := timecoin.WalletFromSeed(unhex(seed))
		check(err)
		keys[name] = w
	}
	alice := keys["alice"]
	for _, t := range sc.Transactions {
		in := su.Inputs[t.Input]
		available, amount := parse(in.Amount), parse(t.Amount)
		tx := &pb.Transaction{Version: transactionVersion, Kind: pb.TransactionKind_TRANSACTION_KIND_TRANSFER,
			Inputs: []*pb.TxInput{{Outpoint: &pb.OutPoint{Txid: unhex(in.Txid), Index: in.Index}}},
			Outputs: []*pb.TxOutput{ // the amounts do not change the size
				{Amount: amount, Address: timecoin.AddressOf(keys[t.To].PublicKey())},
				{Amount: 0, Address: timecoin.AddressOf(alice.PublicKey())},
			}}
		_, err := alice.SignInputs(tx, chainID) // priced signed: the witnesses count
		check(err)
		fee, err := timecoin.RequiredFee(tx, timecoin.DefaultFees)
		check(err)
		if t.Fee == "required-minus-one" {
			fee--
		}
		tx.Outputs[1].Amount = available - amount - fee
		txid, err := alice.SignInputs(tx, chainID)
		check(err)
		if t.FlipSignatureByte != nil {
			tx.Inputs[0].Witness.Signature[*t.FlipSignatureByte] ^= 1
		}
		fmt.Printf("tx %s %x fee %d\n", t.Name, txid, fee)
		if _, err := client.Submit(ctx, tx); err != nil {
			fmt.Printf("tx %s refused %s\n", t.Name, timecoin.ReasonName(timecoin.ReasonOf(err)))
			continue
		}
		fmt.Printf("tx %s accepted\n", t.Name)
		if t.ExpectFinal {
			height, err := client.AwaitFinal(ctx, txid)
			check(err)
			fmt.Printf("tx %s final at %d\n", t.Name, height)
		}
	}
}

func read(path string, v any) {
	b, err := os.ReadFile(path)
	check(err)
	check(json.Unmarshal(b, v))
}

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	check(err)
	return b
}

func parse(s string) uint64 {
	v, err := strconv.ParseUint(s, 10, 64)
	check(err)
	return v
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
