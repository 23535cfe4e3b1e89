package io.timecoin.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Bech32mTest {
  /** BIP-350's valid bech32m strings. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "A1LQFN3A",
        "a1lqfn3a",
        "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
        "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
        "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
        "?1v759aa",
      })
  void bip350ValidStringsDecodeAndReencode(String text) {
    Bech32m.Decoded decoded = Bech32m.decode(text);
    assertEquals(text.toLowerCase(), Bech32m.encode(decoded.hrp(), decoded.data()));
  }

  /** Bech32 (BIP-173) checksums, mixed case, bad characters and a missing separator are refused. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "a12uel5l", // valid bech32, not bech32m
        "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", // valid bech32, not bech32m
        "A1LQfN3A",
        "a1lqfn3b",
        "1lqfn3a",
        "a1lqfnba",
        "lqfn3a",
      })
  void invalidStringsAreRefused(String text) {
    assertThrows(IllegalArgumentException.class, () -> Bech32m.decode(text));
  }

  @Test
  void addressesRoundTripAndKeepTheirChain() {
    Ed25519PublicKey key = Ed25519KeyPair.fromSeed(new byte[32]).publicKey();
    Address address = Address.of(key);
    String testnet = address.toBech32m("timecoin-devnet");
    String mainnet = address.toBech32m(Address.MAINNET_CHAIN_ID);
    assertTrue(testnet.startsWith("timet1"), testnet);
    assertTrue(mainnet.startsWith("time1"), mainnet);
    assertEquals(address, Address.parse(testnet, "timecoin-devnet"));
    assertEquals(address, Address.parse(mainnet.toUpperCase(), Address.MAINNET_CHAIN_ID));
    IllegalArgumentException wrongChain =
        assertThrows(
            IllegalArgumentException.class, () -> Address.parse(testnet, Address.MAINNET_CHAIN_ID));
    assertTrue(wrongChain.getMessage().contains("prefix"), wrongChain.getMessage());
    String typo =
        testnet.substring(0, 10) + (testnet.charAt(10) == 'q' ? 'p' : 'q') + testnet.substring(11);
    assertThrows(IllegalArgumentException.class, () -> Address.parse(typo, "timecoin-devnet"));
  }

  @Test
  void anAddressOfTheWrongLengthIsRefused() {
    String short16 = Bech32m.encode("timet", Bech32m.convertBits(new byte[16], 8, 5, true));
    assertThrows(IllegalArgumentException.class, () -> Address.parse(short16, "timecoin-devnet"));
  }
}
