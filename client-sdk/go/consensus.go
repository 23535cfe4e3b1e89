package timecoin

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/bits"
	"slices"

	"google.golang.org/grpc/codes"

	pb "github.com/timecoin/timed/client-sdk/go/gen/timecoin/v1"
)

// What a client checks for itself: quorum and certificates (docs/protocol.md 4.2, 5.7),
// proposer(h, r) (5.1), subsidy (4.4) and the required fee (4.3).

// IsQuorum is 3S > 2W, computed without overflow.
func IsQuorum(signed, total uint64) bool {
	sh, sl := bits.Mul64(3, signed)
	th, tl := bits.Mul64(2, total)
	return sh > th || (sh == th && sl > tl)
}

// TotalWeight is W; ok is false when it passes 2^64 - 1.
func TotalWeight(validators []*pb.Validator) (total uint64, ok bool) {
	for _, v := range validators {
		var carry uint64
		total, carry = bits.Add64(total, v.GetWeight(), 0)
		if carry != 0 {
			return 0, false
		}
	}
	return total, true
}

// CertificateVerdict is what CheckCertificate found.
type CertificateVerdict struct {
	Reason       Reason // ReasonUnspecified when the certificate is valid for the set
	SignedWeight uint64 // of the distinct members whose signature verifies
	TotalWeight  uint64
}

// CheckCertificate checks cert against set(h) (docs/protocol.md 5.7, docs/sdk.md 4.2 step 12):
// canonical with a block hash not nil (MALFORMED); then each signature in key order, its signer
// a member (UNKNOWN_VALIDATOR) verifying over the precommit VOTE (BAD_SIGNATURE), the first
// failure naming the reason; then 3S > 2W (NO_QUORUM). The signed weight counts every member
// whose signature verifies, also when another fails.
func CheckCertificate(chainID string, cert *pb.FinalityCertificate, validators []*pb.Validator) CertificateVerdict {
	total, ok := TotalWeight(validators)
	v := CertificateVerdict{TotalWeight: total}
	if !ok {
		v.Reason = ReasonMalformed
		return v
	}
	if _, err := CertificateBytes(cert); err != nil || bytes.Equal(cert.GetBlockHash(), NilHash) {
		v.Reason = ReasonMalformed
		return v
	}
	precommit, _ := voteBytes(chainID, pb.VoteType_VOTE_TYPE_PRECOMMIT, cert.GetHeight(), cert.GetRound(), cert.GetBlockHash())
	weights := make(map[string]uint64, len(validators))
	for _, val := range validators {
		weights[string(val.GetKey())] = val.GetWeight()
	}
	for _, s := range cert.GetSignatures() { // keys ascend, so each signer counts once
		weight, member := weights[string(s.GetValidator())]
		switch {
		case !member:
			v.setReason(ReasonUnknownValidator)
		case Verify(s.GetValidator(), precommit, s.GetSignature()):
			v.SignedWeight += weight // at most total, which fits
		default:
			v.setReason(ReasonBadSignature)
		}
	}
	if !IsQuorum(v.SignedWeight, total) {
		v.setReason(ReasonNoQuorum)
	}
	return v
}

func (v *CertificateVerdict) setReason(r Reason) {
	if v.Reason == ReasonUnspecified {
		v.Reason = r
	}
}

// VerifyCertificate is CheckCertificate as an error: nil when valid, else an *Error
// (INVALID_ARGUMENT) naming the reason.
func VerifyCertificate(chainID string, cert *pb.FinalityCertificate, validators []*pb.Validator) error {
	if v := CheckCertificate(chainID, cert, validators); v.Reason != ReasonUnspecified {
		return newError(codes.InvalidArgument, v.Reason, "certificate of height %d: %s (signed %d of %d)",
			cert.GetHeight(), ReasonName(v.Reason), v.SignedWeight, v.TotalWeight)
	}
	return nil
}

// Proposer is proposer(h, r): the first 8 bytes of SHA-256(PROPOSER) mod W, walked through the
// set in key order. It returns nil for a set without weight.
func Proposer(chainID string, validators []*pb.Validator, height uint64, round uint32) []byte {
	sorted := slices.SortedFunc(slices.Values(validators), func(a, b *pb.Validator) int {
		return bytes.Compare(a.GetKey(), b.GetKey())
	})
	total, ok := TotalWeight(sorted)
	if !ok || total == 0 {
		return nil
	}
	seed, _ := ProposerSeedBytes(chainID, height, round)
	x := binary.BigEndian.Uint64(Sha256(seed)) % total
	var running uint64
	for _, v := range sorted {
		running += v.GetWeight()
		if running > x {
			return v.GetKey()
		}
	}
	return nil // unreachable: x < total
}

// Subsidy is subsidy(h) = floor(1e10 x (1 + ln h)) in IEEE doubles, with the log of fdlibm (the
// node's StrictMath.log): Go's math.Log is assembly on amd64 and need not give the same bits.
// Height 0 has no subsidy.
func Subsidy(height uint64) uint64 {
	if height == 0 {
		return 0
	}
	return uint64(math.Floor(float64(1e10 * (1 + fdlibmLog(float64(height))))))
}

// fdlibmLog is fdlibm's e_log.c for x >= 1 (every height), each product rounded on its own
// (float64 conversions keep the compiler from fusing them).
func fdlibmLog(x float64) float64 {
	const (
		ln2Hi = 6.93147180369123816490e-01
		ln2Lo = 1.90821492927058770002e-10
		lg1   = 6.666666666666735130e-01
		lg2   = 3.999999999940941908e-01
		lg3   = 2.857142874366239149e-01
		lg4   = 2.222219843214978396e-01
		lg5   = 1.818357216161805012e-01
		lg6   = 1.531383769920937332e-01
		lg7   = 1.479819860511658591e-01
	)
	b := math.Float64bits(x)
	hx := int32(b >> 32)
	lx := uint32(b)
	k := (hx >> 20) - 1023
	hx &= 0x000fffff
	i := (hx + 0x95f64) & 0x100000
	x = math.Float64frombits(uint64(uint32(hx|(i^0x3ff00000)))<<32 | uint64(lx)) // x or x/2 in [sqrt(2)/2, sqrt(2))
	k += i >> 20
	f := x - 1.0
	dk := float64(k)
	if (0x000fffff & (2 + hx)) < 3 { // |f| < 2^-20
		if f == 0 {
			if k == 0 {
				return 0
			}
			return float64(dk*ln2Hi) + float64(dk*ln2Lo)
		}
		r := float64(float64(f*f) * float64(0.5-float64(0.33333333333333333*f)))
		if k == 0 {
			return f - r
		}
		return float64(dk*ln2Hi) - ((r - float64(dk*ln2Lo)) - f)
	}
	s := f / (2.0 + f)
	z := float64(s * s)
	i = hx - 0x6147a
	w := float64(z * z)
	j := 0x6b851 - hx
	t1 := float64(w * float64(lg2+float64(w*float64(lg4+float64(w*lg6)))))
	t2 := float64(z * float64(lg1+float64(w*float64(lg3+float64(w*float64(lg5+float64(w*lg7)))))))
	i |= j
	r := t2 + t1
	if i > 0 {
		hfsq := float64(float64(0.5*f) * f)
		if k == 0 {
			return f - (hfsq - float64(s*(hfsq+r)))
		}
		return float64(dk*ln2Hi) - ((hfsq - (float64(s*(hfsq+r)) + float64(dk*ln2Lo))) - f)
	}
	if k == 0 {
		return f - float64(s*(f-r))
	}
	return float64(dk*ln2Hi) - ((float64(s*(f-r)) - float64(dk*ln2Lo)) - f)
}

// FeeParams are the fee and dust parameters of ChainParams (docs/protocol.md 3).
type FeeParams struct {
	MinTxFee        uint64
	MinFeePerByte   uint64
	MinOutput       uint64
	RegistrationFee uint64
}

// DefaultFees are the genesis defaults; a chain's own come from its GENESIS transaction.
var DefaultFees = FeeParams{MinTxFee: 1_000, MinFeePerByte: 10, MinOutput: 10_000, RegistrationFee: 100_000_000}

// FeesOf takes the fee parameters of a chain's ChainParams.
func FeesOf(p *pb.ChainParams) FeeParams {
	return FeeParams{MinTxFee: p.GetMinTxFee(), MinFeePerByte: p.GetMinFeePerByte(),
		MinOutput: p.GetMinOutput(), RegistrationFee: p.GetRegistrationFee()}
}

// TxSize is size(tx) = len(TX) + len(TXW): what the per-byte fee prices.
func TxSize(tx *pb.Transaction) (int, error) {
	t, err := TxBytes(tx)
	if err != nil {
		return 0, err
	}
	w, err := TxwBytes(tx)
	if err != nil {
		return 0, err
	}
	return len(t) + len(w), nil
}

// RequiredFee is required(tx) = max(min_tx_fee, min_fee_per_byte x size), at least
// registration_fee for a registration. A product past 2^64 cannot be paid: FEE_TOO_LOW.
func RequiredFee(tx *pb.Transaction, p FeeParams) (uint64, error) {
	size, err := TxSize(tx)
	if err != nil {
		return 0, err
	}
	hi, perByte := bits.Mul64(p.MinFeePerByte, uint64(size))
	if hi != 0 {
		return 0, newError(codes.FailedPrecondition, ReasonFeeTooLow, "%d bytes at %d a byte pass 2^64", size, p.MinFeePerByte)
	}
	required := max(perByte, p.MinTxFee)
	if tx.GetKind() == pb.TransactionKind_TRANSACTION_KIND_REGISTER_MASTERNODE {
		required = max(required, p.RegistrationFee)
	}
	return required, nil
}
