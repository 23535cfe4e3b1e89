package io.timecoin.node.peer;

/**
 * Where a synced block came from: one sync stream of one peer. It rides with the block to the
 * consensus thread, so that a refused block is blamed on the stream that sent it, and on no other
 * (after a bad source is dropped, its blocks still in flight are refused while the next source's
 * blocks of the same heights arrive).
 */
public interface SyncSource {}
