package io.timecoin.sdk.examples;

import io.grpc.Status;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.sdk.InsufficientFundsException;
import io.timecoin.sdk.TimeException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The examples' named arguments ({@code --name value}), their target rule (a bare port is a port on
 * 127.0.0.1) and their one-line answers to failures: an example is read by people who copy it, so
 * it should fail as a command does, with one line and a non-zero exit, never a stack trace.
 */
final class ExampleArgs {
  static final String DEFAULT_TARGET = "127.0.0.1:24101";

  /** A mistake of the user's or a refusal: printed as one line, then the exit code. */
  static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;
    final int exitCode;

    Failure(int exitCode, String message) {
      super(message, null, false, false);
      this.exitCode = exitCode;
    }
  }

  private final Map<String, String> values = new LinkedHashMap<>();

  private ExampleArgs() {}

  /**
   * Reads {@code --name value} pairs (or {@code --name=value}); an unknown name or a missing value
   * is a usage error.
   */
  static ExampleArgs parse(String[] args, Set<String> names) throws Failure {
    ExampleArgs a = new ExampleArgs();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        throw new Failure(0, "");
      }
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      if (!names.contains(name)) {
        throw new Failure(
            2,
            arg.startsWith("--")
                ? "unknown option " + name
                : "unexpected argument '" + arg + "' (arguments are named: --option value)");
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          throw new Failure(2, name + " needs a value");
        }
        value = args[++i];
      }
      a.values.put(name, value);
    }
    return a;
  }

  String get(String name) {
    return values.get(name);
  }

  String get(String name, String fallback) {
    return values.getOrDefault(name, fallback);
  }

  String required(String name) throws Failure {
    String v = values.get(name);
    if (v == null) {
      throw new Failure(2, "missing " + name);
    }
    return v;
  }

  /** The gRPC target of {@code --target}: host:port as given, a bare port as 127.0.0.1:PORT. */
  String target() throws Failure {
    String t = get("--target", DEFAULT_TARGET).strip();
    if (t.matches("\\d{1,5}")) {
      int port = Integer.parseInt(t);
      if (port < 1 || port > 65_535) {
        throw new Failure(2, "--target " + t + ": a port goes from 1 to 65535");
      }
      return "127.0.0.1:" + port;
    }
    int colon = t.lastIndexOf(':');
    if (!t.contains("://") && (colon <= 0 || !t.substring(colon + 1).matches("\\d{1,5}"))) {
      throw new Failure(
          2, "--target '" + t + "' is not host:port (for example 127.0.0.1:24101) nor a bare port");
    }
    return t;
  }

  /**
   * Prints a failure and returns its exit code: the usage line alone on stdout for --help (0), the
   * mistake then the usage line for bad arguments (2), the one line alone for a failure (1).
   */
  static int report(
      Failure f, String name, String usage, java.io.PrintStream out, java.io.PrintStream err) {
    if (f.exitCode == 0) {
      out.println(usage);
    } else {
      err.println(name + ": " + f.getMessage());
      if (f.exitCode == 2) {
        err.println(usage);
      }
    }
    return f.exitCode;
  }

  /** The one line a failure of a call to {@code target} prints. */
  static String describe(Throwable t, String target) {
    if (t instanceof InsufficientFundsException || t instanceof IllegalArgumentException) {
      return t.getMessage();
    }
    TimeException e = TimeException.from(t);
    String message = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
    if (message.contains("HTTP status code")) {
      return target + " answers HTTP, not gRPC: it is not a client port (a metrics port?)";
    }
    if (e.code() == Status.Code.UNAVAILABLE) {
      return causedBy(e, java.net.ConnectException.class)
          ? "no node answers at " + target + " (connection refused)"
          : target + ": unavailable: " + message;
    }
    if (e.code() == Status.Code.DEADLINE_EXCEEDED) {
      return target + ": no answer in time";
    }
    String reason =
        e.reason() == ErrorReason.ERROR_REASON_UNSPECIFIED
            ? e.code().toString()
            : e.reason().name().substring("ERROR_REASON_".length());
    return target + ": " + reason + ": " + message;
  }

  private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }
}
