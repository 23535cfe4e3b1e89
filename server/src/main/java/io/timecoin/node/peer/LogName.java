package io.timecoin.node.peer;

/** "node-0 ": which node logged a line, when several share a process (a devnet); empty by default. One for all of a network's parts. */
final class LogName {
  private volatile String prefix = "";

  void set(String name) {
    prefix = name + " ";
  }

  @Override
  public String toString() {
    return prefix;
  }
}
