// Pays an amount from a key file to a new key (or -to), then waits until the payment is final.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"time"

	timecoin "github.com/timecoin/timed/client-sdk/go"
)

func main() {
	target := flag.String("target", "127.0.0.1:24101", "a node's client port")
	genesis := flag.String("genesis", "devnet/genesis.json", "the chain's genesis file")
	keyFile := flag.String("key", "devnet/faucet.key", "the payer's key file")
	to := flag.String("to", "", "the recipient's address (default: a new key's)")
	amount := flag.Uint64("amount", 250_000_000, "units to pay (1 TIME = 100,000,000 units)")
	flag.Parse()

	root, err := timecoin.GenesisRootFromFile(*genesis)
	if err != nil {
		log.Fatal(err)
	}
	client, err := timecoin.Dial(*target, timecoin.WithTrustRoot(root))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	payer, err := timecoin.ReadKeyFile(*keyFile)
	if err != nil {
		log.Fatal(err)
	}
	chainID, err := client.ChainID(ctx)
	if err != nil {
		log.Fatal(err)
	}
	if *to == "" {
		recipient, err := timecoin.GenerateWallet()
		if err != nil {
			log.Fatal(err)
		}
		*to = recipient.Address(chainID)
	}

	txid, err := payer.Transfer(ctx, client, *to, *amount, 0) // fee 0: exactly the required fee
	var refused *timecoin.Error
	if errors.As(err, &refused) {
		log.Fatalf("refused: %s (%s)", timecoin.ReasonName(refused.Reason), refused.Message)
	} else if err != nil {
		log.Fatal(err)
	}
	height, err := client.AwaitFinal(ctx, txid)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("paid %d units to %s: transaction %x, final in block %d\n", *amount, *to, txid, height)
}
