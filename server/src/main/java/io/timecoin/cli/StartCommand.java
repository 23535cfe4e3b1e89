package io.timecoin.cli;

import io.timecoin.node.Logs;
import io.timecoin.node.Node;
import io.timecoin.node.config.NodeConfig;
import io.timecoin.storage.FileSignerRecordStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** timed start --home DIR: runs one node until Ctrl-C. */
@Command(name = "start", description = "Run the node whose home directory 'timed init' made, until Ctrl-C.")
public final class StartCommand implements Callable<Integer> {
  /**
   * The JVM options bin/timed gives a validator it starts (and timed bench measures its memory
   * with): a bounded heap, the serial collector (no G1 remembered sets: its pauses on a heap this
   * small are a few milliseconds), bounded code and class space. bin/timed spells them out again.
   */
  public static final java.util.List<String> JVM_OPTIONS = java.util.List.of("-Xms32m", "-Xmx256m", "-XX:+UseSerialGC",
      "-XX:ReservedCodeCacheSize=64m", "-XX:MaxMetaspaceSize=128m");

  @Option(names = "--home", required = true, description = "The node's home directory (with config.json, genesis.json, keys/).")
  Path home;

  @Option(names = {"-v", "--verbose"}, description = "Log votes and quorums too.")
  boolean verbose;

  @Option(names = "--new-signer-record", description = "Begin an empty signer record: only for a validator whose record"
      + " was lost, once the network has finalized past every height it may have signed at (else it may equivocate).")
  boolean newSignerRecord;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(home.resolve("config.json"))) {
      System.err.println("timed: " + home + " has no config.json; make one with: timed init --validators 4 --home DIR");
      return 1;
    }
    Logs.configure(verbose);
    Node node;
    try {
      if (newSignerRecord) {
        Path data = NodeConfig.read(home.resolve(NodeConfig.FILE_NAME)).dataDir(home);
        FileSignerRecordStore.createNew(data);
        System.err.println("timed start: WARNING: began an empty signer record in " + data + ". This validator no longer"
            + " knows what it signed before; if it signed at a height the network has not finalized past, it may now"
            + " sign twice there and be reported as an equivocator.");
      }
      node = Node.start(home.getFileName().toString(), home);
    } catch (java.io.IOException e) {
      System.err.println("timed start: " + e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      node.close();
      System.out.println(home.getFileName() + " stopped at height " + node.finalizedHeight());
      stopped.countDown();
    }));
    stopped.await();
    return 0;
  }
}
