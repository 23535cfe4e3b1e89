// Follows the chain from block 1, checking every block and certificate from the genesis hash of
// genesis.json, and prints each block as it comes.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"

	timecoin "github.com/timecoin/timed/client-sdk/go"
)

func main() {
	target := flag.String("target", "127.0.0.1:24101", "a node's client port")
	genesis := flag.String("genesis", "devnet/genesis.json", "the chain's genesis file")
	blocks := flag.Int("blocks", 10, "how many blocks to follow")
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

	n := 0
	for block, err := range client.Subscribe(context.Background(), 1) {
		if err != nil {
			log.Fatal(err) // a block that fails verification ends the loop here, never delivered
		}
		fmt.Printf("block %d %x: %d transactions, %d signatures\n",
			block.Height, block.Hash, len(block.Block.Body.Transactions), len(block.Certificate.Signatures))
		if n++; n == *blocks {
			break
		}
	}
}
