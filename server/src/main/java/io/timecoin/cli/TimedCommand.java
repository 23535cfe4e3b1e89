package io.timecoin.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code timed} command: the node and the tools to set one up. */
// scope INHERIT: every subcommand gets -h/--help and -V/--version too.
@Command(
    name = "timed",
    mixinStandardHelpOptions = true,
    versionProvider = TimedCommand.Version.class,
    scope = CommandLine.ScopeType.INHERIT,
    description = "A validator node of the TIME Coin network.",
    subcommands = {
      KeygenCommand.class,
      InitCommand.class,
      StartCommand.class,
      DevnetCommand.class,
      ReliabilityCommand.class,
      ClientCommand.class,
    })
public final class TimedCommand implements Runnable {
  @Spec CommandSpec spec;

  /** {@code timed} alone: say that a subcommand is needed, with the usage (exit code 2). */
  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is needed");
  }

  /** The project version, as Maven wrote it into build.properties. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"timed " + io.timecoin.node.BuildInfo.version()};
    }
  }
}
