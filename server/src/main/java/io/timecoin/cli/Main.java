package io.timecoin.cli;

import picocli.CommandLine;

/** The entry point of the {@code timed} executable. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // an Error or an uncaught exception on any thread ends the process, loudly (a node must not
    // live on half-dead)
    io.timecoin.node.FailStop.installDefault();
    System.exit(new CommandLine(new TimedCommand()).execute(args));
  }
}
