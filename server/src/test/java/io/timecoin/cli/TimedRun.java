package io.timecoin.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the timed command in-process, keeping what it printed. */
final class TimedRun {
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  int timed(String... args) {
    CommandLine cmd = new CommandLine(new TimedCommand());
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    return cmd.execute(args);
  }
}
