package org.thinpool.fuse;

import java.nio.ByteBuffer;

/**
 * A request from the kernel, decoded by {@link RequestCodec}: one record per opcode this server
 * answers, {@link Unknown} for the rest (answered ENOSYS). {@code unique} is the id the reply
 * carries; {@code nodeId} the inode the request is about (1 is the root directory).
 */
sealed interface FuseRequest {
  long unique();

  /** True for the requests the kernel expects no reply to (FORGET, BATCH_FORGET, INTERRUPT). */
  default boolean noReply() {
    return false;
  }

  record Init(long unique, int major, int minor, int maxReadaheadBytes, int flags)
      implements FuseRequest {}

  record Lookup(long unique, long nodeId, String name) implements FuseRequest {}

  record Getattr(long unique, long nodeId) implements FuseRequest {}

  /** {@code valid} says which fields to set; only the size matters here. */
  record Setattr(long unique, long nodeId, int valid, long sizeBytes) implements FuseRequest {}

  record Open(long unique, long nodeId, int flags) implements FuseRequest {}

  record Read(long unique, long nodeId, long fh, long offsetBytes, int sizeBytes)
      implements FuseRequest {}

  /** {@code data} is a view of the reader's buffer: valid until the reply is sent. */
  record Write(long unique, long nodeId, long fh, long offsetBytes, ByteBuffer data)
      implements FuseRequest {}

  record Flush(long unique, long nodeId, long fh) implements FuseRequest {}

  record Fsync(long unique, long nodeId, long fh) implements FuseRequest {}

  record Release(long unique, long nodeId, long fh) implements FuseRequest {}

  record Opendir(long unique, long nodeId) implements FuseRequest {}

  /** READDIR or, with {@code plus}, READDIRPLUS: entries from {@code offset}, at most size. */
  record Readdir(long unique, long nodeId, long offset, int sizeBytes, boolean plus)
      implements FuseRequest {}

  record Releasedir(long unique, long nodeId) implements FuseRequest {}

  record Statfs(long unique) implements FuseRequest {}

  record Fallocate(long unique, long nodeId, long fh, long offsetBytes, long lengthBytes, int mode)
      implements FuseRequest {}

  /** FORGET and BATCH_FORGET: the kernel dropped lookups; nothing to do, no reply. */
  record Forget(long unique, int count) implements FuseRequest {
    @Override
    public boolean noReply() {
      return true;
    }
  }

  /**
   * The kernel asks to abandon request {@code target}. Every request here finishes on its own
   * within one pool I/O, so it is left to finish; an INTERRUPT has no reply of its own.
   */
  record Interrupt(long unique, long target) implements FuseRequest {
    @Override
    public boolean noReply() {
      return true;
    }
  }

  record Destroy(long unique) implements FuseRequest {}

  record Unknown(long unique, int opcode) implements FuseRequest {}
}
