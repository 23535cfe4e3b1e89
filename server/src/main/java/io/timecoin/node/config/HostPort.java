package io.timecoin.node.config;

import java.net.InetSocketAddress;
import java.util.regex.Pattern;

/**
 * A host and a TCP port, written {@code host:port}, or {@code [v6-address]:port} for IPv6. The host
 * is a name or an address; it is resolved only when the address is used.
 */
public record HostPort(String host, int port) {
  private static final Pattern NAME_OR_IPV4 =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");

  /** Validates host and port; port 0 means "any free port" and only makes sense to listen on. */
  public HostPort {
    if (host == null
        || host.length() > 253
        || !(NAME_OR_IPV4.matcher(host).matches()
            || host.contains(":") && IPV6.matcher(host).matches())) {
      throw new IllegalArgumentException("not a host name or IP address: '" + host + "'");
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port " + port + " is not from 0 to 65535");
    }
  }

  /**
   * Parses {@code host:port} or {@code [ipv6]:port}.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static HostPort parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("'" + text + "' is not host:port (e.g. 127.0.0.1:24100)");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.contains(":")) {
      throw new IllegalArgumentException(
          "'" + text + "': write an IPv6 address in brackets, e.g. [::1]:24100");
    }
    String port = text.substring(colon + 1);
    if (!port.matches("0|[1-9][0-9]{0,4}")) { // no sign, no leading zeros: one spelling per port
      throw new IllegalArgumentException(
          "'" + text + "': the port must be a number from 0 to 65535");
    }
    try {
      return new HostPort(host, Integer.parseInt(port));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + text + "': " + e.getMessage(), e);
    }
  }

  /** The socket address, resolving the host name now. */
  public InetSocketAddress socketAddress() {
    return new InetSocketAddress(host, port);
  }

  @Override
  public String toString() {
    return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
  }
}
