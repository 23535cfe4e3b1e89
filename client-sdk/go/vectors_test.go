package timecoin

// Every entry of proto/testvectors/v2.json, rebuilt by the SDK (docs/protocol.md 2.2).

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	pb "github.com/timecoin/timed/client-sdk/go/gen/timecoin/v1"
)

type object = map[string]any

var vectors = func() object {
	raw, err := os.ReadFile("../../proto/testvectors/v2.json")
	if err != nil {
		panic(err)
	}
	var doc object
	if err := json.Unmarshal(raw, &doc); err != nil {
		panic(err)
	}
	return doc
}()

// hexToProtoJSON rewrites the vectors' hex bytes as base64, which protojson reads; everything
// else (proto field names, enum names, uint64 strings) is proto JSON already.
func hexToProtoJSON(d protoreflect.MessageDescriptor, v any) any {
	in, ok := v.(object)
	if !ok {
		return v
	}
	out := object{}
	for name, value := range in {
		f := d.Fields().ByName(protoreflect.Name(name))
		if f == nil {
			out[name] = value // protojson refuses it
			continue
		}
		convert := func(x any) any {
			switch {
			case f.Kind() == protoreflect.BytesKind:
				b, err := hex.DecodeString(x.(string))
				if err != nil {
					panic(err)
				}
				return base64.StdEncoding.EncodeToString(b)
			case f.Message() != nil:
				return hexToProtoJSON(f.Message(), x)
			}
			return x
		}
		if items, ok := value.([]any); ok && f.IsList() {
			converted := make([]any, len(items))
			for i, x := range items {
				converted[i] = convert(x)
			}
			out[name] = converted
		} else {
			out[name] = convert(value)
		}
	}
	return out
}

// message reads a vector's fields as a T; unknown field names fail the test.
func message[T proto.Message](t *testing.T, fields any) T {
	t.Helper()
	var m T
	m = m.ProtoReflect().Type().New().Interface().(T)
	raw, _ := json.Marshal(hexToProtoJSON(m.ProtoReflect().Descriptor(), fields))
	if err := protojson.Unmarshal(raw, m); err != nil {
		t.Fatalf("reading %s: %v", raw, err)
	}
	return m
}

func unhex(t *testing.T, s any) []byte {
	t.Helper()
	b, err := hex.DecodeString(s.(string))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func u64(t *testing.T, s any) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(s.(string), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func eqHex(t *testing.T, what string, got []byte, want any) {
	t.Helper()
	if hex.EncodeToString(got) != want.(string) {
		t.Errorf("%s = %x, want %s", what, got, want)
	}
}

func items(v any) []object {
	var out []object
	for _, x := range v.([]any) {
		out = append(out, x.(object))
	}
	return out
}

func TestVectorsCoverEveryTopLevelField(t *testing.T) {
	covered := []string{"format", "chain_id", "keys", "structures", "signed_vote", "certificates",
		"signature_checks", "merkle_roots", "witness_roots", "genesis_block", "subsidy", "proposers", "ed25519", "fees"}
	for k := range vectors {
		if !slices.Contains(covered, k) {
			t.Errorf("v2.json has a section %q no test reads", k)
		}
	}
	if vectors["format"] != "timecoin-test-vectors/2" || vectors["chain_id"] != "timecoin-devnet" {
		t.Errorf("format %v on %v", vectors["format"], vectors["chain_id"])
	}
}

func TestVectorKeys(t *testing.T) {
	chainID := vectors["chain_id"].(string)
	for i, k := range items(vectors["keys"]) {
		seed := Sha256([]byte(fmt.Sprintf("timecoin test vector key %d", i)))
		eqHex(t, "seed", seed, k["seed"])
		pub := PublicKey(seed)
		eqHex(t, "public key", pub, k["public_key"])
		eqHex(t, "address", AddressOf(pub), k["address"])
		if got := EncodeAddress(pub, chainID); got != k["address_testnet"] {
			t.Errorf("testnet address %s, want %s", got, k["address_testnet"])
		}
		if got := EncodeAddress(pub, MainnetChainID); got != k["address_mainnet"] {
			t.Errorf("mainnet address %s, want %s", got, k["address_mainnet"])
		}
		eqHex(t, "decoded", must[[]byte](t)(DecodeAddress(k["address_testnet"].(string), chainID)), k["address"])
		if _, err := DecodeAddress(k["address_mainnet"].(string), chainID); ReasonOf(err) != ReasonInvalidArgument {
			t.Errorf("another chain's prefix: %v", err)
		}
		testnet := k["address_testnet"].(string)
		if _, err := DecodeAddress(strings.ToUpper(testnet[:10])+testnet[10:], chainID); err == nil {
			t.Error("mixed case decoded")
		}
		if _, err := DecodeAddress(strings.ToUpper(testnet), chainID); err != nil {
			t.Errorf("upper case refused: %v", err)
		}
	}
}

func encodeStructure(t *testing.T, name string, f any) []byte {
	fields := f.(object)
	var b []byte
	var err error
	switch strings.Split(name, "/")[0] {
	case "vote":
		b, err = VoteBytes(message[*pb.Vote](t, f))
	case "header":
		b, err = HeaderBytes(message[*pb.BlockHeader](t, f))
	case "proposal":
		b, err = ProposalBytes(message[*pb.Proposal](t, f))
	case "tx":
		b, err = TxBytes(message[*pb.Transaction](t, f))
	case "txw":
		b, err = TxwBytes(message[*pb.Transaction](t, f))
	case "params":
		b, err = ParamsBytes(message[*pb.GenesisPayload](t, f))
	case "txsig":
		b, err = TxSigBytes(fields["chain_id"].(string), unhex(t, fields["txid"]))
	case "validator_set":
		b, err = ValidatorSetBytes(message[*pb.ValidatorSet](t, f).GetValidators())
	case "certificate":
		b, err = CertificateBytes(message[*pb.FinalityCertificate](t, f))
	case "hello":
		b, err = HelloBytes(message[*pb.Hello](t, f))
	case "proposer_seed":
		b, err = ProposerSeedBytes(fields["chain_id"].(string), u64(t, fields["height"]), uint32(fields["round"].(float64)))
	default:
		t.Fatalf("no encoder for %s", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVectorStructures(t *testing.T) {
	chainID := vectors["chain_id"].(string)
	for _, s := range items(vectors["structures"]) {
		t.Run(s["name"].(string), func(t *testing.T) {
			b := encodeStructure(t, s["name"].(string), s["fields"])
			if n := int(b[3]); string(b[4:4+n]) != s["domain"] {
				t.Errorf("tag %q, want %v", b[4:4+n], s["domain"])
			}
			eqHex(t, "bytes", b, s["bytes"])
			eqHex(t, "sha256", Sha256(b), s["sha256"])
			if strings.HasPrefix(s["name"].(string), "tx/") {
				tx := message[*pb.Transaction](t, s["fields"])
				id := must[[]byte](t)(TxID(tx))
				eqHex(t, "txid", id, s["sha256"])
				signed := must[[]byte](t)(TxSigBytes(chainID, id))
				var ws []*pb.Witness
				for _, in := range tx.GetInputs() {
					ws = append(ws, in.GetWitness())
				}
				for _, w := range append(ws, tx.GetKindWitnesses()...) {
					if !Verify(w.GetPublicKey(), signed, w.GetSignature()) {
						t.Error("a witness does not verify over TXSIG")
					}
				}
			}
		})
	}
}

func TestVectorStructuresFormOneBlock(t *testing.T) {
	by := map[string]object{}
	var txs []*pb.Transaction
	for _, s := range items(vectors["structures"]) {
		by[s["name"].(string)] = s
		if strings.HasPrefix(s["name"].(string), "tx/") {
			txs = append(txs, message[*pb.Transaction](t, s["fields"]))
		}
	}
	header := message[*pb.BlockHeader](t, by["header"]["fields"])
	var ids, wids [][]byte
	for _, tx := range txs {
		ids = append(ids, must[[]byte](t)(TxID(tx)))
		wids = append(wids, must[[]byte](t)(WtxID(tx)))
	}
	check := func(what string, got, want []byte) {
		if !bytes.Equal(got, want) {
			t.Errorf("%s %x, header says %x", what, got, want)
		}
	}
	check("tx_root", MerkleRoot(ids), header.GetTxRoot())
	check("witness_root", MerkleRoot(wids), header.GetWitnessRoot())
	check("validator_set_hash", must[[]byte](t)(ValidatorSetHash(message[*pb.ValidatorSet](t, by["validator_set"]["fields"]).GetValidators())), header.GetValidatorSetHash())
	check("next_validator_set_hash", must[[]byte](t)(ValidatorSetHash(message[*pb.ValidatorSet](t, by["validator_set/next"]["fields"]).GetValidators())), header.GetNextValidatorSetHash())
	cert := message[*pb.FinalityCertificate](t, by["certificate"]["fields"])
	check("last_certificate_hash", must[[]byte](t)(CertificateHash(cert)), header.GetLastCertificateHash())
	check("prev_hash", cert.GetBlockHash(), header.GetPrevHash())
	if cert.GetHeight()+1 != header.GetHeight() {
		t.Errorf("certificate %d under header %d", cert.GetHeight(), header.GetHeight())
	}
	proposal := message[*pb.Proposal](t, by["proposal/valid_round=-1"]["fields"])
	eqHex(t, "proposal's block hash", must[[]byte](t)(BlockHash(proposal.GetBlock().GetHeader())), by["header"]["sha256"])
}

func TestCanonicalBytesRefuseWhatHasNoForm(t *testing.T) {
	structures := items(vectors["structures"])
	field := func(name string) any {
		for _, s := range structures {
			if s["name"] == name {
				return s["fields"]
			}
		}
		t.Fatalf("no %s", name)
		return nil
	}
	vote := message[*pb.Vote](t, field("vote/prepare"))
	vote.BlockHash = vote.BlockHash[1:]
	set := message[*pb.ValidatorSet](t, field("validator_set"))
	slices.Reverse(set.Validators)
	tx := message[*pb.Transaction](t, field("tx/transfer"))
	tx.Kind = pb.TransactionKind_TRANSACTION_KIND_REWARD // a payload that does not match the kind
	for what, err := range map[string]error{
		"a 31-byte block hash":      second(VoteBytes(vote)),
		"keys out of order":         second(ValidatorSetBytes(set.Validators)),
		"a payload of another kind": second(TxBytes(tx)),
	} {
		if ReasonOf(err) != ReasonMalformed {
			t.Errorf("%s: %v, want MALFORMED", what, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestVectorSignedVote(t *testing.T) {
	sv := vectors["signed_vote"].(object)
	vote := message[*pb.Vote](t, sv["vote"])
	seed := unhex(t, sv["signer_seed"])
	b := must[[]byte](t)(VoteBytes(vote))
	eqHex(t, "bytes", b, sv["bytes"])
	if !bytes.Equal(PublicKey(seed), vote.GetValidator()) {
		t.Error("the signer's key is not the vote's validator")
	}
	eqHex(t, "signature", Sign(seed, b), sv["signature"])
	eqHex(t, "vote signature", vote.GetSignature(), sv["signature"])
	if !Verify(vote.GetValidator(), b, vote.GetSignature()) {
		t.Error("the vote does not verify")
	}
}

func TestVectorCertificates(t *testing.T) {
	for i, c := range items(vectors["certificates"]) {
		t.Run(fmt.Sprintf("%d/quorum=%v", i, c["quorum"]), func(t *testing.T) {
			cert := message[*pb.FinalityCertificate](t, c["certificate"])
			set := message[*pb.ValidatorSet](t, c["validator_set"]).GetValidators()
			eqHex(t, "bytes", must[[]byte](t)(CertificateBytes(cert)), c["bytes"])
			eqHex(t, "hash", must[[]byte](t)(CertificateHash(cert)), c["hash"])
			v := CheckCertificate(c["chain_id"].(string), cert, set)
			if v.SignedWeight != u64(t, c["signed_weight"]) || v.TotalWeight != u64(t, c["total_weight"]) {
				t.Errorf("weights %d of %d, want %v of %v", v.SignedWeight, v.TotalWeight, c["signed_weight"], c["total_weight"])
			}
			if (v.Reason == ReasonUnspecified) != c["quorum"].(bool) {
				t.Errorf("verdict %v, quorum %v", v.Reason, c["quorum"])
			}
			if err := VerifyCertificate(c["chain_id"].(string), cert, set); (err == nil) != c["quorum"].(bool) {
				t.Errorf("VerifyCertificate: %v", err)
			}
		})
	}
}

func TestCertificateNamesForgedAndForeignSigners(t *testing.T) {
	var c object
	for _, x := range items(vectors["certificates"]) {
		if x["quorum"].(bool) {
			c = x
		}
	}
	chainID := vectors["chain_id"].(string)
	set := message[*pb.ValidatorSet](t, c["validator_set"]).GetValidators()
	forged := message[*pb.FinalityCertificate](t, c["certificate"])
	forged.Signatures[0].Signature[0] ^= 1
	if r := CheckCertificate(chainID, forged, set).Reason; r != ReasonBadSignature {
		t.Errorf("forged: %v", r)
	}
	genuine := message[*pb.FinalityCertificate](t, c["certificate"])
	if r := CheckCertificate(chainID, genuine, set[1:]).Reason; r != ReasonUnknownValidator {
		t.Errorf("a signer outside the set: %v", r)
	}
	if r := CheckCertificate("timecoin-other", genuine, set).Reason; r != ReasonBadSignature {
		t.Errorf("another chain: %v", r)
	}
	nilHash := message[*pb.FinalityCertificate](t, c["certificate"])
	nilHash.BlockHash = NilHash
	if r := CheckCertificate(chainID, nilHash, set).Reason; r != ReasonMalformed {
		t.Errorf("nil block hash: %v", r)
	}
}

func TestVectorSignatureChecks(t *testing.T) {
	l := new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 252), must[*big.Int](t)(parseBig("27742317777372353535851937790883648493")))
	for _, c := range items(vectors["signature_checks"]) {
		t.Run(c["name"].(string), func(t *testing.T) {
			pub, msg, sig := unhex(t, c["public_key"]), unhex(t, c["message"]), unhex(t, c["signature"])
			if Verify(pub, msg, sig) != c["valid"].(bool) {
				t.Errorf("verdict %v, want %v", !c["valid"].(bool), c["valid"])
			}
			s := new(big.Int).SetBytes(reversed(sig[32:]))
			if s.Cmp(l) >= 0 { // S >= L alone makes it invalid: reduced mod L it verifies
				reduced := reversed(s.Mod(s, l).FillBytes(make([]byte, 32)))
				if !Verify(pub, msg, append(slices.Clone(sig[:32]), reduced...)) {
					t.Error("S mod L does not verify")
				}
			}
		})
	}
}

func parseBig(s string) (*big.Int, error) {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil, fmt.Errorf("not a number: %s", s)
	}
	return v, nil
}

func reversed(b []byte) []byte {
	out := slices.Clone(b)
	slices.Reverse(out)
	return out
}

func TestVectorEd25519Rule(t *testing.T) {
	cases := items(vectors["ed25519"])
	if len(cases) != 92 {
		t.Errorf("%d cases, want 92", len(cases))
	}
	for _, c := range cases {
		t.Run(c["name"].(string), func(t *testing.T) {
			if got := Verify(unhex(t, c["public_key"]), unhex(t, c["message"]), unhex(t, c["signature"])); got != c["valid"].(bool) {
				t.Errorf("verdict %v, want %v", got, c["valid"])
			}
		})
	}
}

func TestVectorMerkleRoots(t *testing.T) {
	for _, c := range items(vectors["merkle_roots"]) {
		var leaves [][]byte
		for _, l := range c["leaves"].([]any) {
			leaves = append(leaves, unhex(t, l))
		}
		eqHex(t, fmt.Sprintf("root of %d", len(leaves)), MerkleRoot(leaves), c["root"])
	}
}

func TestVectorWitnessRoots(t *testing.T) {
	for _, c := range items(vectors["witness_roots"]) {
		var ids, wids [][]byte
		for i, x := range c["transactions"].([]any) {
			tx := message[*pb.Transaction](t, x)
			ids = append(ids, must[[]byte](t)(TxID(tx)))
			wids = append(wids, must[[]byte](t)(WtxID(tx)))
			eqHex(t, "txid", ids[i], c["txids"].([]any)[i])
			eqHex(t, "wtxid", wids[i], c["wtxids"].([]any)[i])
		}
		eqHex(t, "tx_root", MerkleRoot(ids), c["tx_root"])
		eqHex(t, "witness_root", MerkleRoot(wids), c["witness_root"])
	}
}

func TestVectorGenesisBlock(t *testing.T) {
	gb := vectors["genesis_block"].(object)
	block := message[*pb.Block](t, gb["block"])
	header := block.GetHeader()
	eqHex(t, "header bytes", must[[]byte](t)(HeaderBytes(header)), gb["header_bytes"])
	eqHex(t, "genesis hash", must[[]byte](t)(BlockHash(header)), gb["hash"])
	txs := block.GetBody().GetTransactions()
	if len(txs) != 1 || txs[0].GetKind() != pb.TransactionKind_TRANSACTION_KIND_GENESIS {
		t.Fatalf("block 0 holds %v", txs)
	}
	if !bytes.Equal(header.GetTxRoot(), MerkleRoot([][]byte{must[[]byte](t)(TxID(txs[0]))})) ||
		!bytes.Equal(header.GetWitnessRoot(), MerkleRoot([][]byte{must[[]byte](t)(WtxID(txs[0]))})) {
		t.Error("roots do not match the GENESIS transaction")
	}
	// set(1): the max_validators heaviest, lower key first among equal weights, in key order
	params := txs[0].GetGenesis().GetParams()
	var weighed []*pb.Validator
	for _, m := range params.GetMasternodes() {
		if w := m.GetCollateral() / 100_000_000; w > 0 {
			weighed = append(weighed, &pb.Validator{Key: m.GetConsensusKey(), Weight: w})
		}
	}
	slices.SortFunc(weighed, func(a, b *pb.Validator) int {
		if a.Weight != b.Weight {
			return compareSign(b.Weight, a.Weight) // heaviest first
		}
		return bytes.Compare(a.Key, b.Key)
	})
	weighed = weighed[:min(len(weighed), int(params.GetMaxValidators()))]
	slices.SortFunc(weighed, func(a, b *pb.Validator) int { return bytes.Compare(a.Key, b.Key) })
	set := message[*pb.ValidatorSet](t, gb["validator_set"]).GetValidators()
	if !slices.EqualFunc(set, weighed, func(a, b *pb.Validator) bool { return proto.Equal(a, b) }) {
		t.Errorf("set(1) %v, want %v", set, weighed)
	}
	setHash := must[[]byte](t)(ValidatorSetHash(set))
	if !bytes.Equal(header.GetValidatorSetHash(), setHash) || !bytes.Equal(header.GetNextValidatorSetHash(), setHash) {
		t.Error("block 0's set hashes are not VALSET(set(1))")
	}
	// the hash commits to every parameter
	genuine := must[[]byte](t)(BlockHash(header))
	fields := params.ProtoReflect().Descriptor().Fields()
	for i := range fields.Len() {
		f := fields.Get(i)
		changed := proto.Clone(txs[0]).(*pb.Transaction)
		p := changed.GetGenesis().GetParams().ProtoReflect()
		switch {
		case f.IsList():
			list := p.Mutable(f).List()
			list.Truncate(list.Len() - 1)
		case f.Kind() == protoreflect.Uint64Kind:
			p.Set(f, protoreflect.ValueOfUint64(p.Get(f).Uint()+1))
		default:
			p.Set(f, protoreflect.ValueOfUint32(uint32(p.Get(f).Uint()+1)))
		}
		h := proto.Clone(header).(*pb.BlockHeader)
		h.TxRoot = MerkleRoot([][]byte{must[[]byte](t)(TxID(changed))})
		if bytes.Equal(must[[]byte](t)(BlockHash(h)), genuine) {
			t.Errorf("changing %s leaves the genesis hash", f.Name())
		}
	}
}

func compareSign(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestVectorSubsidy(t *testing.T) {
	for _, c := range items(vectors["subsidy"]) {
		if got := Subsidy(u64(t, c["height"])); got != u64(t, c["units"]) {
			t.Errorf("subsidy(%v) = %d, want %v", c["height"], got, c["units"])
		}
	}
}

func TestVectorProposers(t *testing.T) {
	p := vectors["proposers"].(object)
	set := message[*pb.ValidatorSet](t, p["validator_set"]).GetValidators()
	for _, pick := range items(p["picks"]) {
		got := Proposer(p["chain_id"].(string), set, u64(t, pick["height"]), uint32(pick["round"].(float64)))
		eqHex(t, fmt.Sprintf("proposer(%v, %v)", pick["height"], pick["round"]), got, pick["proposer"])
	}
}

func TestVectorFees(t *testing.T) {
	for _, f := range items(vectors["fees"]) {
		t.Run(f["name"].(string), func(t *testing.T) {
			tx := message[*pb.Transaction](t, f["tx"])
			if n := len(must[[]byte](t)(TxBytes(tx))); n != int(f["tx_bytes_len"].(float64)) {
				t.Errorf("TX %d bytes, want %v", n, f["tx_bytes_len"])
			}
			if n := len(must[[]byte](t)(TxwBytes(tx))); n != int(f["txw_bytes_len"].(float64)) {
				t.Errorf("TXW %d bytes, want %v", n, f["txw_bytes_len"])
			}
			p := f["params"].(object)
			params := FeeParams{MinTxFee: u64(t, p["min_tx_fee"]), MinFeePerByte: u64(t, p["min_fee_per_byte"]),
				MinOutput: u64(t, p["min_output"]), RegistrationFee: u64(t, p["registration_fee"])}
			if got := must[uint64](t)(RequiredFee(tx, params)); got != u64(t, f["required_fee"]) {
				t.Errorf("required %d, want %v", got, f["required_fee"])
			}
		})
	}
}
