package io.timecoin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client's answers to a user's mistakes: one line on stderr, a non-zero exit, no stack trace.
 */
class ClientCommandTest {
  @TempDir Path tmp;

  private final TimedRun run = new TimedRun();

  /**
   * The one line the command wrote to stderr, after checking that it is one line and no stack
   * trace.
   */
  private String oneLine() {
    String err = run.err.toString().strip();
    assertEquals(1, err.lines().count(), err);
    assertFalse(err.contains("Exception") || err.contains("\tat "), err);
    return err;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void aBarePortIsOnLoopbackAndAHostNeedsAPort() {
    assertEquals("127.0.0.1:27101", ClientCommand.target("27101"));
    assertEquals("node.example:24101", ClientCommand.target("node.example:24101"));
    assertThrows(CliCommand.UserError.class, () -> ClientCommand.target("70000"));

    assertEquals(1, run.timed("client", "status", "--target", "localhost"));
    assertTrue(
        oneLine().startsWith("timed client status: --target 'localhost' is not host:port"),
        oneLine());
  }

  @Test
  void nothingListeningIsSaidPlainly() throws Exception {
    int port = freePort();
    assertEquals(1, run.timed("client", "status", "--target", Integer.toString(port)));
    assertEquals(
        "timed client status: no node answers at 127.0.0.1:" + port + " (connection refused)",
        oneLine());
  }

  @Test
  void anHttpServerIsNotAClientPort() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      // what a node's metrics port is: Vert.x, text/plain
      HttpServer http =
          vertx
              .createHttpServer()
              .requestHandler(
                  req ->
                      req.response()
                          .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                          .end("# HELP timed_round \n"))
              .listen(0, "127.0.0.1")
              .toCompletionStage()
              .toCompletableFuture()
              .get(10, TimeUnit.SECONDS);
      assertEquals(1, run.timed("client", "status", "--target", "127.0.0.1:" + http.actualPort()));
      String line = oneLine();
      assertTrue(line.contains("answers HTTP, not gRPC: it is not a client port"), line);
      assertFalse(line.contains("HELP"), line);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void clientAloneShowsTheUsageAndFails() {
    assertEquals(2, run.timed("client"));
    String err = run.err.toString();
    assertTrue(
        err.startsWith(
            "name a command: status, watch, block, tx, balance, send, faucet or masternodes"),
        err);
    assertTrue(err.contains("Usage: timed client"), err);
  }

  @Test
  void badArgumentsAreRefusedBeforeAnyCall() throws Exception {
    int port = freePort(); // nothing listens: each refusal below comes before a call
    assertEquals(1, run.timed("client", "tx", "abc", "--target", Integer.toString(port)));
    assertEquals("timed client tx: 'abc' is not a transaction id (64 hex digits)", oneLine());

    run.err.getBuffer().setLength(0);
    assertEquals(1, run.timed("client", "block", "12x", "--target", Integer.toString(port)));
    assertEquals(
        "timed client block: '12x' is neither a height nor a 64-hex-digit block hash", oneLine());

    run.err.getBuffer().setLength(0);
    assertEquals(
        1,
        run.timed(
            "client",
            "faucet",
            "--home",
            tmp.toString(),
            "--to",
            "timet1x",
            "--amount",
            "1",
            "--target",
            Integer.toString(port)));
    assertTrue(
        oneLine().startsWith("timed client faucet: " + tmp + " has no faucet.key"), oneLine());

    run.err.getBuffer().setLength(0);
    assertEquals(
        1,
        run.timed(
            "client",
            "send",
            "--from",
            tmp.resolve("none.key").toString(),
            "--to",
            "timet1x",
            "--amount",
            "0.5x",
            "--target",
            Integer.toString(port)));
    assertEquals(
        "timed client send: --amount '0.5x' is not a positive amount of TIME with at most 8 decimals",
        oneLine());
  }

  @Test
  void theFeeCoversTenUnitsAByteOfAGenerousSize() {
    assertEquals(Math.max(1_000, 10 * (64 + 160 + 2 * 48)), TransferFee.of(1, 2));
    assertTrue(TransferFee.of(3, 2) > TransferFee.of(1, 2));
    assertEquals(
        "{\"a\":1,\"b\":\"x\\\"y\",\"c\":[true,null]}",
        Json.object()
            .put("a", 1)
            .put("b", "x\"y")
            .put("c", java.util.Arrays.asList(true, null))
            .toString());
  }
}
