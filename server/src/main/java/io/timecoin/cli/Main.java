package io.timecoin.cli;

import picocli.CommandLine;

/** The entry point of the {@code timed} executable. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new TimedCommand()).execute(args));
  }
}
