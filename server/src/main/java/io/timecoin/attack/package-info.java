/**
 * A Byzantine peer that speaks PeerService on 127.0.0.1, the attacks it runs against a local
 * network of real validator processes, and the checks made after each (used by the integration
 * tests and by {@code timed reliability}). Nothing here runs inside a node.
 */
package io.timecoin.attack;
