package timecoin

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"

	"google.golang.org/grpc/codes"

	pb "github.com/timecoin/timed/client-sdk/go/gen/timecoin/v1"
)

// A genesis file (docs/protocol.md 3) makes block 0, so its hash is a trust root a user can
// compute from the file the chain was started with.

// genesisFile is genesis.json; amounts are decimal strings, absent fields take the defaults.
type genesisFile struct {
	ChainID         string  `json:"chain_id"`
	GenesisTimeMs   uint64  `json:"genesis_time_ms"`
	BlockIntervalMs *uint64 `json:"block_interval_ms"`
	Timeouts        struct {
		ProposeMs        *uint64 `json:"propose_ms"`
		ProposeDeltaMs   *uint64 `json:"propose_delta_ms"`
		PrepareMs        *uint64 `json:"prepare_ms"`
		PrepareDeltaMs   *uint64 `json:"prepare_delta_ms"`
		PrecommitMs      *uint64 `json:"precommit_ms"`
		PrecommitDeltaMs *uint64 `json:"precommit_delta_ms"`
		CapMs            *uint64 `json:"cap_ms"`
	} `json:"timeouts"`
	MaxBlockTxs     *uint32 `json:"max_block_txs"`
	MaxBlockBytes   *uint32 `json:"max_block_bytes"`
	MaxTxBytes      *uint32 `json:"max_tx_bytes"`
	MinTxFee        *string `json:"min_tx_fee"`
	MinFeePerByte   *string `json:"min_fee_per_byte"`
	MinOutput       *string `json:"min_output"`
	RegistrationFee *string `json:"registration_fee"`
	MaxValidators   *uint32 `json:"max_validators"`
	Masternodes     []struct {
		ConsensusKey  string `json:"consensus_key"`
		Owner         string `json:"owner"`
		RewardAddress string `json:"reward_address"`
		Collateral    string `json:"collateral"`
	} `json:"masternodes"`
	Allocations []struct {
		Address string `json:"address"`
		Amount  string `json:"amount"`
	} `json:"allocations"`
}

// GenesisBlock is block 0 of a genesis file, as a node makes it (docs/protocol.md 3, "Block 0,
// exactly"), with set(1).
func GenesisBlock(genesisJSON []byte) (*pb.Block, []*pb.Validator, error) {
	var g genesisFile
	dec := json.NewDecoder(bytes.NewReader(genesisJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return nil, nil, malformed("genesis file: %v", err)
	}
	var firstErr error
	orU64 := func(p *uint64, def uint64) uint64 {
		if p == nil {
			return def
		}
		return *p
	}
	orU32 := func(p *uint32, def uint32) uint32 {
		if p == nil {
			return def
		}
		return *p
	}
	amount := func(s *string, def uint64, what string) uint64 {
		if s == nil {
			return def
		}
		v, err := strconv.ParseUint(*s, 10, 64)
		if err != nil && firstErr == nil {
			firstErr = malformed("genesis file: %s %q is not a decimal u64", what, *s)
		}
		return v
	}
	address := func(s, what string) []byte {
		a, err := DecodeAddress(s, g.ChainID)
		if err != nil && firstErr == nil {
			firstErr = malformed("genesis file: %s: %v", what, err)
		}
		return a
	}
	t := g.Timeouts
	params := &pb.ChainParams{
		GenesisTimeMs: g.GenesisTimeMs, BlockIntervalMs: orU64(g.BlockIntervalMs, 1000),
		ProposeMs: orU64(t.ProposeMs, 1000), ProposeDeltaMs: orU64(t.ProposeDeltaMs, 500),
		PrepareMs: orU64(t.PrepareMs, 500), PrepareDeltaMs: orU64(t.PrepareDeltaMs, 250),
		PrecommitMs: orU64(t.PrecommitMs, 500), PrecommitDeltaMs: orU64(t.PrecommitDeltaMs, 250),
		CapMs: orU64(t.CapMs, 30_000), MaxBlockTxs: orU32(g.MaxBlockTxs, 10_000),
		MaxBlockBytes: orU32(g.MaxBlockBytes, 4_194_304), MaxTxBytes: orU32(g.MaxTxBytes, 65_536),
		MinTxFee: amount(g.MinTxFee, 1_000, "min_tx_fee"), MaxValidators: orU32(g.MaxValidators, 100),
		MinFeePerByte: amount(g.MinFeePerByte, 10, "min_fee_per_byte"), MinOutput: amount(g.MinOutput, 10_000, "min_output"),
		RegistrationFee: amount(g.RegistrationFee, 100_000_000, "registration_fee"),
	}
	tx := &pb.Transaction{Version: 2, Kind: pb.TransactionKind_TRANSACTION_KIND_GENESIS,
		Payload: &pb.Transaction_Genesis{Genesis: &pb.GenesisPayload{ChainId: g.ChainID, Params: params}}}
	for i, a := range g.Allocations {
		tx.Outputs = append(tx.Outputs, &pb.TxOutput{Amount: amount(&a.Amount, 0, "amount"), Address: address(a.Address, fmt.Sprintf("allocation %d", i))})
	}
	var set []*pb.Validator
	for i, m := range g.Masternodes {
		key, err := hex.DecodeString(m.ConsensusKey)
		if (err != nil || len(key) != 32) && firstErr == nil {
			firstErr = malformed("genesis file: masternode %d: consensus_key is not 64 hex digits", i)
		}
		mn := &pb.GenesisMasternode{ConsensusKey: key, OwnerAddress: address(m.Owner, "owner"),
			RewardAddress: address(m.RewardAddress, "reward_address"), Collateral: amount(&m.Collateral, 0, "collateral")}
		params.Masternodes = append(params.Masternodes, mn)
		tx.Outputs = append(tx.Outputs, &pb.TxOutput{Amount: mn.Collateral, Address: mn.OwnerAddress})
		if w := mn.Collateral / 100_000_000; w > 0 {
			set = append(set, &pb.Validator{Key: key, Weight: w})
		}
	}
	if firstErr != nil {
		return nil, nil, firstErr
	}
	// set(1): the max_validators heaviest, the lower key first among equal weights; in key order
	slices.SortFunc(set, func(a, b *pb.Validator) int {
		if a.Weight != b.Weight {
			return compareUint(b.Weight, a.Weight)
		}
		return bytes.Compare(a.Key, b.Key)
	})
	set = set[:min(len(set), int(params.MaxValidators))]
	slices.SortFunc(set, func(a, b *pb.Validator) int { return bytes.Compare(a.Key, b.Key) })
	setHash, err := ValidatorSetHash(set)
	if err != nil {
		return nil, nil, err
	}
	id, err := TxID(tx)
	if err != nil {
		return nil, nil, err
	}
	wid, _ := WtxID(tx)
	header := &pb.BlockHeader{Version: 2, ChainId: g.ChainID, Height: 0, TimestampMs: g.GenesisTimeMs,
		PrevHash: NilHash, TxRoot: MerkleRoot([][]byte{id}), WitnessRoot: MerkleRoot([][]byte{wid}),
		LastCertificateHash: NilHash, ValidatorSetHash: setHash, NextValidatorSetHash: setHash, Proposer: NilHash}
	return &pb.Block{Header: header, Body: &pb.BlockBody{Transactions: []*pb.Transaction{tx}}}, set, nil
}

// GenesisRootFromFile is the genesis hash of a genesis.json (a devnet's <home>/genesis.json) as a
// trust root.
func GenesisRootFromFile(path string) (TrustRoot, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return TrustRoot{}, &Error{Code: codes.InvalidArgument, Reason: ReasonInvalidArgument, Message: err.Error(), cause: err}
	}
	block, _, err := GenesisBlock(raw)
	if err != nil {
		return TrustRoot{}, err
	}
	hash, err := BlockHash(block.GetHeader())
	return GenesisRoot(hash), err
}
