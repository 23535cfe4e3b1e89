package io.timecoin.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.timecoin.crypto.KeyFile;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.UnspentOutput;
import io.timecoin.protocol.Transactions;
import io.timecoin.protocol.Units;
import io.timecoin.sdk.examples.ExplorerTail;
import io.timecoin.sdk.examples.SendAndWait;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples' answers to a user's mistakes: one line (then the usage line for bad arguments), a
 * non-zero exit.
 */
class ExamplesTest {
  interface Example {
    int run(String[] args, PrintStream out, PrintStream err) throws Exception;
  }

  record Answer(int code, String out, String err) {}

  static Answer run(Example example, String... args) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        example.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Answer(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void helpPrintsTheUsageWithItsDefaults() throws Exception {
    Answer a = run(ExplorerTail::run, "--help");
    assertEquals(0, a.code());
    assertTrue(
        a.out().contains("--target HOST:PORT|PORT")
            && a.out().contains("defaults to 127.0.0.1:24101"),
        a.out());
    Answer s = run(SendAndWait::run, "--help");
    assertEquals(0, s.code());
    assertTrue(s.out().contains("--key FILE --to ADDRESS --amount TIME"), s.out());
  }

  @Test
  void badArgumentsAnswerTheMistakeAndTheUsage() throws Exception {
    // The old positional form: the height first was read as a number, the target was not.
    Answer positional = run(ExplorerTail::run, "127.0.0.1:27101");
    assertEquals(2, positional.code());
    assertTrue(
        positional.err().startsWith("ExplorerTail: unexpected argument '127.0.0.1:27101'"),
        positional.err());
    assertEquals(2, positional.err().lines().count());

    assertTrue(run(ExplorerTail::run, "--from-height", "x").err().contains("not a height"));
    assertTrue(run(ExplorerTail::run, "--target", "localhost").err().contains("is not host:port"));
    assertTrue(run(ExplorerTail::run, "--bogus", "1").err().contains("unknown option --bogus"));
    Answer missing = run(SendAndWait::run, "--key", "k", "--amount", "1");
    assertEquals(2, missing.code());
    assertTrue(missing.err().startsWith("SendAndWait: missing --to"), missing.err());
    assertTrue(
        run(SendAndWait::run, "--key", "k", "--to", "a", "--amount", "2.5.1")
            .err()
            .contains("not an amount"));
    assertTrue(
        run(SendAndWait::run, "--key", "k", "--to", "a", "--amount", "-1")
            .err()
            .contains("must be positive"));
  }

  @Test
  void nothingListeningIsOneLineNamingTheTarget(@TempDir Path dir) throws Exception {
    int port = freePort();
    Answer tail =
        run(ExplorerTail::run, "--target", String.valueOf(port)); // a bare port: 127.0.0.1
    assertEquals(1, tail.code());
    assertEquals(
        "ExplorerTail: no node answers at 127.0.0.1:" + port + " (connection refused)\n",
        tail.err());

    Path key = dir.resolve("a.key");
    KeyFile.write(key, Wallet.generate().keyPair());
    Answer send =
        run(
            SendAndWait::run,
            "--key",
            key.toString(),
            "--to",
            "x",
            "--amount",
            "1",
            "--target",
            "" + port);
    assertEquals(1, send.code());
    assertEquals(
        "SendAndWait: no node answers at 127.0.0.1:" + port + " (connection refused)\n",
        send.err());
  }

  @Test
  void aBadAddressOrTooLittleMoneyIsOneLine(@TempDir Path dir) throws Exception {
    Wallet wallet = Wallet.generate();
    Path key = dir.resolve("w.key");
    KeyFile.write(key, wallet.keyPair());
    try (FakeNode node = new FakeNode(new TestChain(1))) {
      byte[] txid = new byte[32];
      OutPoint o = OutPoint.newBuilder().setTxid(ByteString.copyFrom(txid)).setIndex(0).build();
      node.unspent.put(
          wallet.address(TestChain.CHAIN_ID),
          List.of(
              UnspentOutput.newBuilder()
                  .setOutpoint(o)
                  .setOutput(Transactions.output(Units.UNITS_PER_TIME, wallet.address()))
                  .setHeight(1)
                  .build()));
      Server tcp =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .addService(node)
              .build()
              .start();
      try {
        String target = "127.0.0.1:" + tcp.getPort();
        String genesis = java.util.HexFormat.of().formatHex(node.chain.genesisHash().toByteArray());
        Answer badAddress =
            run(
                SendAndWait::run,
                "--key",
                key.toString(),
                "--to",
                "timet1notanaddress",
                "--amount",
                "0.5",
                "--target",
                target,
                "--genesis",
                genesis);
        assertEquals(1, badAddress.code());
        assertEquals(1, badAddress.err().lines().count(), badAddress.err());
        assertTrue(badAddress.err().startsWith("SendAndWait: "), badAddress.err());
        assertFalse(badAddress.err().contains("Exception"), badAddress.err());

        String payee = Wallet.generate().address(TestChain.CHAIN_ID);
        Answer poor =
            run(
                SendAndWait::run,
                "--key",
                key.toString(),
                "--to",
                payee,
                "--amount",
                "5",
                "--target",
                String.valueOf(tcp.getPort()),
                "--genesis",
                genesis);
        assertEquals(1, poor.code());
        assertEquals(1, poor.err().lines().count(), poor.err());
        assertTrue(poor.err().startsWith("SendAndWait: insufficient funds: "), poor.err());
        assertTrue(node.submitted.isEmpty());
      } finally {
        tcp.shutdownNow();
      }
    }
  }
}
