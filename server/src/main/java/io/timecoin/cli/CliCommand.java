package io.timecoin.cli;

import io.timecoin.node.config.ConfigException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A subcommand whose user errors (a bad option value, a bad file, a file in the way) end as one
 * line on stderr and exit code 1, without a stack trace. Anything else is a bug and keeps picocli's
 * default handling (stack trace, exit code 1). Works with or without a parent command, so that
 * other commands can run it on its own.
 */
abstract class CliCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  /**
   * Does the work; throws {@link UserError}, {@link ConfigException} or {@link IOException} for
   * what the user can fix.
   */
  protected abstract void run() throws IOException;

  @Override
  public final Integer call() {
    try {
      run();
      return 0;
    } catch (UserError | ConfigException | IOException e) {
      PrintWriter err = spec.commandLine().getErr();
      err.println("timed " + spec.name() + ": " + describe(e));
      err.flush();
      return 1;
    }
  }

  protected PrintWriter out() {
    return spec.commandLine().getOut();
  }

  /** The NIO exceptions' messages are often a bare path; say what happened to it. */
  private static String describe(Exception e) {
    if (e instanceof FileAlreadyExistsException f) {
      return f.getFile() + " already exists" + (f.getReason() == null ? "" : ": " + f.getReason());
    } else if (e instanceof NoSuchFileException f) {
      return f.getFile()
          + ": no such file or directory"
          + (f.getReason() == null ? "" : " (" + f.getReason() + ")");
    } else if (e instanceof AccessDeniedException f) {
      return f.getFile() + ": permission denied";
    } else if (e instanceof FileSystemException f) {
      return f.getMessage();
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  /** A mistake the user can fix, with the message that tells how. */
  static final class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UserError(String message) {
      super(message);
    }
  }
}
