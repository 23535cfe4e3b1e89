package timecoin

import (
	"strings"

	"google.golang.org/grpc/codes"
)

// Addresses (docs/protocol.md 1): the first 20 bytes of SHA-256(public key), written as bech32m
// (BIP-350) without a witness version, prefix `time` on timecoin-mainnet and `timet` elsewhere.

// MainnetChainID is the one chain whose addresses start with time1.
const MainnetChainID = "timecoin-mainnet"

const (
	bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	bech32mConst  = 0x2bc830a3
)

// AddressPrefix is the bech32m human-readable part of a chain's addresses.
func AddressPrefix(chainID string) string {
	if chainID == MainnetChainID {
		return "time"
	}
	return "timet"
}

// AddressOf is the 20 address bytes of a public key.
func AddressOf(publicKey []byte) []byte { return Sha256(publicKey)[:20] }

// EncodeAddress is the bech32m address of a public key on a chain.
func EncodeAddress(publicKey []byte, chainID string) string {
	return EncodeAddressBytes(AddressOf(publicKey), chainID)
}

// EncodeAddressBytes writes 20 address bytes as bech32m for a chain.
func EncodeAddressBytes(address []byte, chainID string) string {
	hrp := AddressPrefix(chainID)
	data, _ := regroup(address, 8, 5, true)
	values := append(hrpExpand(hrp), data...)
	pm := polymod(append(values, 0, 0, 0, 0, 0, 0)) ^ bech32mConst
	var b strings.Builder
	b.WriteString(hrp + "1")
	for _, d := range data {
		b.WriteByte(bech32Charset[d])
	}
	for i := range 6 {
		b.WriteByte(bech32Charset[(pm>>(5*(5-i)))&31])
	}
	return b.String()
}

// DecodeAddress gives the 20 bytes of a bech32m address of chainID; anything else (mixed case,
// a bad checksum, another chain's prefix, a payload not 20 bytes) is INVALID_ARGUMENT.
func DecodeAddress(address, chainID string) ([]byte, error) {
	bad := func(why string) error {
		return newError(codes.InvalidArgument, ReasonInvalidArgument, "address %q: %s", address, why)
	}
	if len(address) > 90 {
		return nil, bad("longer than 90 characters")
	}
	for _, c := range address {
		if c < 33 || c > 126 {
			return nil, bad("not printable ASCII")
		}
	}
	lower := strings.ToLower(address)
	if lower != address && strings.ToUpper(address) != address {
		return nil, bad("mixed case")
	}
	pos := strings.LastIndexByte(lower, '1')
	if pos < 1 || pos+7 > len(lower) {
		return nil, bad("no bech32m separator and checksum")
	}
	hrp := lower[:pos]
	data := make([]byte, 0, len(lower)-pos-1)
	for _, c := range lower[pos+1:] {
		i := strings.IndexRune(bech32Charset, c)
		if i < 0 {
			return nil, bad("a character outside bech32")
		}
		data = append(data, byte(i))
	}
	if polymod(append(hrpExpand(hrp), data...)) != bech32mConst {
		return nil, bad("bad bech32m checksum")
	}
	if hrp != AddressPrefix(chainID) {
		return nil, bad("prefix " + hrp + " is not of chain " + chainID)
	}
	out, ok := regroup(data[:len(data)-6], 5, 8, false)
	if !ok || len(out) != 20 {
		return nil, bad("an address holds 20 bytes")
	}
	return out, nil
}

func polymod(values []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i, g := range gen {
			if (top>>i)&1 == 1 {
				chk ^= g
			}
		}
	}
	return chk
}

func hrpExpand(hrp string) []byte {
	out := make([]byte, 0, 2*len(hrp)+1)
	for i := range len(hrp) {
		out = append(out, hrp[i]>>5)
	}
	out = append(out, 0)
	for i := range len(hrp) {
		out = append(out, hrp[i]&31)
	}
	return out
}

// regroup converts between bit groups; without padding, leftover bits must be zero padding.
func regroup(data []byte, from, to uint, pad bool) ([]byte, bool) {
	var acc, bits uint
	mask := uint(1)<<to - 1
	var out []byte
	for _, v := range data {
		acc = (acc<<from | uint(v)) & 0xffffff
		bits += from
		for bits >= to {
			bits -= to
			out = append(out, byte((acc>>bits)&mask))
		}
	}
	if pad {
		if bits > 0 {
			out = append(out, byte((acc<<(to-bits))&mask))
		}
	} else if bits >= from || (acc<<(to-bits))&mask != 0 {
		return nil, false
	}
	return out, true
}
