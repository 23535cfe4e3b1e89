package io.timecoin.node.peer;

import io.timecoin.node.LogLimit;

/**
 * "node-0 ": which node logged a line, when several share a process (a devnet); empty by default.
 * One for all of a network's parts.
 */
final class LogName {
  /** Lines about peers coming, going and being refused: strangers can cause them at will. */
  static final LogLimit PEER_LOG = new LogLimit(20, 1_000);

  private volatile String prefix = "";

  void set(String name) {
    prefix = name + " ";
  }

  @Override
  public String toString() {
    return prefix;
  }
}
