package io.timecoin.benchmarks.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The bench's results: printed as they come, then as Markdown tables (and BENCHMARKS.md with
 * --write).
 */
final class Report {
  private final List<String> sizes = new ArrayList<>();
  private final List<String> rows = new ArrayList<>();

  /** One network size's idle finalization. */
  void size(
      int n,
      String p50,
      String p99,
      String blocksPerSecond,
      String messages,
      String messagesRatio,
      String kilobytes,
      long verifications,
      String bound,
      String boundRatio) {
    sizes.add(
        "| "
            + String.join(
                " | ",
                Integer.toString(n),
                p50,
                p99,
                blocksPerSecond,
                messages,
                messagesRatio,
                kilobytes,
                Long.toString(verifications),
                bound,
                boundRatio)
            + " |");
    System.out.printf(
        "  %d validators: p50 %s, p99 %s ms, %s blocks/s; per block %s messages (%s of 3n^2), %s KB;"
            + " verification bound %s ms (%d verifications), p50/bound %s%n",
        n,
        p50,
        p99,
        blocksPerSecond,
        messages,
        messagesRatio,
        kilobytes,
        bound,
        verifications,
        boundRatio);
  }

  /** {@code ratio}: the result against its bound or target, or "-". */
  void row(String what, String result, String ratio, String detail) {
    rows.add("| " + what + " | " + result + " | " + ratio + " | " + detail + " |");
    System.out.println(
        "  "
            + what
            + ": "
            + result
            + (ratio.equals("-") ? "" : ", " + ratio)
            + "  ("
            + detail
            + ")");
  }

  /**
   * The tables under {@code machine}; written to {@code file} as BENCHMARKS.md, with how they were
   * made, unless null.
   */
  void print(String machine, String options, Path file) throws IOException {
    List<String> out = new ArrayList<>();
    out.add(machine);
    out.add("");
    if (!sizes.isEmpty()) {
      out.add(
          "| validators | p50 ms | p99 ms | blocks/s | messages per block | messages / 3n² | KB per block "
              + "| verifications per height | verification bound ms | p50 / bound |");
      out.add("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
      out.addAll(sizes);
      out.add("");
    }
    if (!rows.isEmpty()) {
      out.add("| measurement | result | against its bound | detail |");
      out.add("| --- | --- | --- | --- |");
      out.addAll(rows);
    }
    System.out.println();
    out.forEach(System.out::println);
    if (file == null) {
      return;
    }
    List<String> text =
        new ArrayList<>(
            List.of(
                "# Benchmarks",
                "",
                "Written by `bin/bench --write BENCHMARKS.md`; run it again to refresh (`bin/bench --help` for the options).",
                "",
                "- Sizes: for each number of validators n, a network of its own on 127.0.0.1 in one process, real gRPC,",
                "  block_interval_ms 0, idle; node-0's latency from the first proposal of a height seen to the block stored,",
                "  and the messages and bytes all validators sent per block. The verification bound is the time this",
                "  machine needs for the signature verifications of one height: the proposal at n-1 nodes, and at each of",
                "  the n nodes the prepare and the precommit of every other validator (a node's own are not verified; the",
                "  certificate of the next proposal is answered from the node's cache of signatures it verified), so",
                "  (n-1)(2n+1) verifications, divided by the Ed25519 verifications per second on all cores measured at the",
                "  start of the same run. Targets: p50 / bound <= 2 and messages per block <= 3n².",
                "- Saturation: a load generator signs and submits real transfers from "
                    + TransferSaturation.WALLETS
                    + " wallets over",
                "  SubmitTransactions streams to every node, "
                    + TransferSaturation.IN_FLIGHT
                    + " in flight, each transfer signed before the",
                "  measurement, which starts after "
                    + TransferSaturation.WARM_UP_SECONDS
                    + " s of load (the JIT's warm-up); its verification limit",
                "  is the verifications per second on all cores divided by the validators (each verifies every transfer).",
                "  Target: >= 0.6 of it.",
                "- Catch-up: a network of its own builds a chain of --catch-up-blocks blocks, then all validators but one",
                "  stop (so the catching-up node does not share the cores with back-to-back consensus) and a node with",
                "  only genesis syncs it, every certificate verified and every block executed; twice, since the first",
                "  time the JIT compiles the sync path meanwhile. Also through the saturation's blocks (full of transfers).",
                "  Its verification limit: the signatures it verifies (certificates, the last certificates' signatures not",
                "  seen in the one before, the transfers' witnesses) over the verifications per second. Target: >= 0.8.",
                "- Subscribers: SubscribeFinalized streams on node-0 of 4 validators with 1 s blocks, from the block stored",
                "  to its arrival on each stream. Target: p99 <= 200 ms with 10,000.",
                "- Memory: validators each in a process of its own, started with the JVM options bin/timed gives",
                "  `timed start`, finalizing back to back; VmRSS sampled every second.",
                "- Microbenchmarks (JMH): `java -jar benchmarks/target/benchmarks.jar` followed by CryptoBenchmark,",
                "  VoteIngestionBenchmark, TransactionValidationBenchmark, BlockExecutionBenchmark or",
                "  CertificateVerificationBenchmark.",
                "",
                "Options of this run: " + options + ".",
                ""));
    text.addAll(out);
    Files.write(file, text);
    System.out.println("written to " + file);
  }
}
