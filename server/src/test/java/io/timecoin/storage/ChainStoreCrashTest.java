package io.timecoin.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.timecoin.proto.v1.Block;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process that dies without closing its store: what was synced (a finalized block, or sync()
 * after caught-up blocks) is there after a restart, and what is there is a whole prefix of the
 * chain.
 */
class ChainStoreCrashTest {
  private static final String CHAIN = "timecoin-crash-test";

  @TempDir Path dir;

  @Test
  void syncedBlocksSurviveTheProcessDyingAndTheStoreHoldsAPrefixOfTheChain() throws Exception {
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Writer.class.getName(),
                dir.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("halting"), out);
    List<Block> chain = ChainStoreTest.chain(CHAIN, Writer.LAST);
    try (ChainStore store = ChainStore.open(dir)) {
      long tip = store.tipHeight();
      assertTrue(tip >= Writer.SYNCED && tip <= Writer.LAST, "tip " + tip);
      for (int h = 0; h <= tip; h++) {
        assertEquals(Optional.of(chain.get(h)), store.blockAt(h));
      }
      assertEquals(Optional.empty(), store.blockAt(tip + 1));
      // the store goes on from its tip
      store.putFinalized(
          chain.get((int) tip + 1),
          ChainStoreTest.certificate(chain.get((int) tip + 1)),
          ChainStoreTest.changes(chain.get((int) tip + 1)));
    }
  }

  /** In a process of its own: caught-up blocks, a sync, more, a synced block, more, then death. */
  public static final class Writer {
    static final int SYNCED = 21;
    static final int LAST = 40;

    public static void main(String[] args) throws Exception {
      List<Block> chain = ChainStoreTest.chain(CHAIN, LAST);
      ChainStore store = ChainStore.open(Path.of(args[0]));
      store.putGenesis(chain.get(0), ChainStoreTest.genesisChanges());
      for (int h = 1; h <= LAST - 1; h++) {
        Block b = chain.get(h);
        store.putFinalized(
            b, ChainStoreTest.certificate(b), ChainStoreTest.changes(b), h == SYNCED);
        if (h == 10) {
          store.sync();
        }
      }
      System.out.println("halting");
      System.out.flush();
      Runtime.getRuntime().halt(0); // no close, no shutdown hook: as if killed
    }
  }
}
