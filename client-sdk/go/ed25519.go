package timecoin

import (
	"crypto/ed25519"
	"encoding/hex"

	"filippo.io/edwards25519"
)

// The exact Ed25519 rule of docs/protocol.md 1.1. crypto/ed25519 alone accepts small-order keys
// and R (and non-canonical keys), so rules 3 and 4 are checked here with edwards25519; rules 2
// and 5 are crypto/ed25519's own (S < L, cofactorless equation, R compared byte for byte), and
// S < L is checked here as well so that the verdict does not rest on a library detail.

// lMinusOne is L - 1 little-endian: [L]A = [L-1]A + A, since a Scalar cannot hold L itself.
var lMinusOne = func() *edwards25519.Scalar {
	b, _ := hex.DecodeString("ecd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
	s, err := edwards25519.NewScalar().SetCanonicalBytes(b)
	if err != nil {
		panic(err)
	}
	return s
}()

// decodeCanonical decodes a point only from its canonical encoding (y < p, no x = 0 with the
// sign bit): edwards25519 accepts the non-canonical ones, so the encoding must come back unchanged.
func decodeCanonical(b []byte) *edwards25519.Point {
	p, err := new(edwards25519.Point).SetBytes(b)
	if err != nil || string(p.Bytes()) != string(b) {
		return nil
	}
	return p
}

func isSmallOrder(p *edwards25519.Point) bool {
	return new(edwards25519.Point).MultByCofactor(p).Equal(edwards25519.NewIdentityPoint()) == 1
}

// ValidPublicKey is rule 3: a canonical encoding of a point of prime order.
func ValidPublicKey(key []byte) bool {
	if len(key) != 32 {
		return false
	}
	a := decodeCanonical(key)
	if a == nil || isSmallOrder(a) {
		return false
	}
	la := new(edwards25519.Point).ScalarMult(lMinusOne, a)
	return la.Add(la, a).Equal(edwards25519.NewIdentityPoint()) == 1
}

// Verify is the protocol's signature check: true only if every rule of 1.1 passes.
func Verify(publicKey, message, signature []byte) bool {
	if len(publicKey) != 32 || len(signature) != 64 { // rule 1
		return false
	}
	if _, err := edwards25519.NewScalar().SetCanonicalBytes(signature[32:]); err != nil { // rule 2
		return false
	}
	if !ValidPublicKey(publicKey) { // rule 3
		return false
	}
	if r := decodeCanonical(signature[:32]); r == nil || isSmallOrder(r) { // rule 4
		return false
	}
	return ed25519.Verify(publicKey, message, signature) // rules 2 and 5
}

// PublicKey is the RFC 8032 public key of a 32-byte seed.
func PublicKey(seed []byte) []byte {
	return ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
}

// Sign is the deterministic RFC 8032 signature of message by the key of seed.
func Sign(seed, message []byte) []byte {
	return ed25519.Sign(ed25519.NewKeyFromSeed(seed), message)
}
