package org.thinpool.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinpool.pool.DiscardMode;
import org.thinpool.pool.PoolOptions;
import org.thinpool.pool.ThinPool;

/**
 * The file system's answers without a kernel: request frames in, reply bytes out, checked field by
 * field: INIT negotiation, ENOSYS for what we do not serve, directory listing in pieces, punch
 * holes per discard mode, reply layouts.
 */
class RequestHandlerTest {
  static final long MIB = 1 << 20;

  @TempDir Path tmp;
  final ByteBuffer out = ByteBuffer.allocateDirect(2 << 20).order(ByteOrder.nativeOrder());
  final List<String> events = new ArrayList<>();
  DeviceNodes nodes;

  RequestHandler handler(ThinPool pool) {
    nodes = new DeviceNodes();
    return new RequestHandler(
        pool,
        nodes,
        0,
        0,
        1000,
        new RequestHandler.SessionState() {
          @Override
          public void initialised() {
            events.add("init");
          }

          @Override
          public void destroyed() {
            events.add("destroy");
          }
        });
  }

  ThinPool pool;

  @BeforeEach
  void createPool() throws Exception {
    pool = ThinPool.create(tmp.resolve("pool"), PoolOptions.ofDataSize(64 * MIB));
  }

  @AfterEach
  void closePool() throws Exception {
    pool.close();
  }

  int send(RequestHandler h, int opcode, long unique, long node, ByteBuffer args) throws Exception {
    int len = h.handle(RequestCodec.decode(Frames.request(opcode, unique, node, args)), out);
    if (len > 0) {
      assertThat(out.getInt(0)).isEqualTo(len);
      assertThat(out.getLong(8)).isEqualTo(unique);
    }
    return len;
  }

  int error() {
    return -out.getInt(4);
  }

  @Test
  void initTakesOnlyTheFlagsWeWantAndSaysOurLimits() throws Exception {
    RequestHandler h = handler(pool);
    int len = send(h, Fuse.INIT, 1, 0, Frames.init(7, 44, -1));
    assertThat(len).isEqualTo(Fuse.OUT_HEADER_BYTES + Fuse.INIT_OUT_BYTES);
    assertThat(error()).isZero();
    assertThat(out.getInt(16)).isEqualTo(7);
    assertThat(out.getInt(20)).isEqualTo(Fuse.KERNEL_MINOR);
    assertThat(out.getInt(28)).isEqualTo(RequestHandler.WANTED_INIT_FLAGS);
    assertThat(out.getInt(28) & Fuse.BIG_WRITES).isNotZero();
    assertThat(out.getInt(36)).isEqualTo(1 << 20); // max_write
    assertThat(out.getShort(44)).isEqualTo((short) 256); // max_pages
    assertThat(events).containsExactly("init");
    send(h, Fuse.INIT, 2, 0, Frames.init(7, 44, Fuse.ASYNC_READ));
    assertThat(out.getInt(28)).isEqualTo(Fuse.ASYNC_READ); // never more than offered
    send(h, Fuse.INIT, 3, 0, Frames.init(6, 0, 0));
    assertThat(error()).isEqualTo(Fuse.EPROTO);
  }

  @Test
  void unknownOpcodesAreNotImplemented() throws Exception {
    RequestHandler h = handler(pool);
    for (int op : new int[] {5, 6, 8, 9, 10, 12, 21, 22, 35, 39, 46, 47, 51, 999}) {
      assertThat(send(h, op, op, 1, Frames.args(64).position(64))).isEqualTo(16);
      assertThat(error()).as("opcode " + op).isEqualTo(Fuse.ENOSYS);
    }
    assertThat(send(h, Fuse.FORGET, 0, 2, Frames.args(8).position(8))).isZero();
    assertThat(send(h, Fuse.INTERRUPT, 9, 0, Frames.args(8).putLong(3))).isZero();
    send(h, Fuse.DESTROY, 10, 0, Frames.args(0));
    assertThat(error()).isZero();
    assertThat(events).containsExactly("destroy");
  }

  @Test
  void theDirectoryListsExposedDevicesAcrossSeveralReads() throws Exception {
    RequestHandler h = handler(pool);
    for (long id = 1; id <= 30; id++) {
      nodes.expose(pool.createThin(id, MIB));
    }
    nodes.release(7);
    List<String> names = new ArrayList<>();
    long offset = 0;
    for (int round = 0; round < 100; round++) {
      send(h, Fuse.READDIRPLUS, round, 1, Frames.read(0, offset, 512));
      assertThat(error()).isZero();
      int len = out.getInt(0);
      if (len == Fuse.OUT_HEADER_BYTES) {
        break;
      }
      int pos = Fuse.OUT_HEADER_BYTES;
      while (pos < len) {
        int d = pos + Fuse.ENTRY_OUT_BYTES;
        int nameLen = out.getInt(d + 16);
        byte[] name = new byte[nameLen];
        out.get(d + 24, name);
        names.add(new String(name, StandardCharsets.UTF_8));
        offset = out.getLong(d + 8);
        pos = d + ((24 + nameLen + 7) & ~7);
      }
    }
    List<String> expected = new ArrayList<>(List.of(".", ".."));
    for (long id = 1; id <= 30; id++) {
      if (id != 7) {
        expected.add(Long.toString(id));
      }
    }
    assertThat(names).containsExactlyElementsOf(expected);
  }

  @Test
  void getattrOfADeviceFileShowsItsSizeAndMappedBlocks() throws Exception {
    RequestHandler h = handler(pool);
    DeviceNodes.Node n = nodes.expose(pool.createThin(4, 3 * MIB));
    n.device.write(0, new byte[1]);
    send(h, Fuse.GETATTR, 1, n.nodeId, Frames.args(16).position(16));
    assertThat(error()).isZero();
    int attr = Fuse.OUT_HEADER_BYTES + 16;
    assertThat(out.getLong(attr)).isEqualTo(n.nodeId);
    assertThat(out.getLong(attr + 8)).isEqualTo(3 * MIB);
    assertThat(out.getLong(attr + 16)).isEqualTo(pool.dataBlockSizeBytes() / 512);
    assertThat(out.getInt(attr + 60)).isEqualTo(Fuse.S_IFREG | 0600);
    send(h, Fuse.GETATTR, 2, 99, Frames.args(16).position(16));
    assertThat(error()).isEqualTo(Fuse.ENOENT);
    send(h, Fuse.LOOKUP, 3, 1, Frames.name("04"));
    assertThat(error()).isEqualTo(Fuse.ENOENT); // one spelling per device
  }

  @Test
  void punchHolesFollowTheDiscardMode() throws Exception {
    for (DiscardMode mode : DiscardMode.values()) {
      try (ThinPool p =
          ThinPool.create(
              tmp.resolve(mode.lvmName()),
              PoolOptions.ofDataSize(64 * MIB).withDiscardMode(mode))) {
        RequestHandler h = handler(p);
        DeviceNodes.Node n = nodes.expose(p.createThin(1, 4 * MIB));
        n.device.write(0, new byte[(int) (2 * MIB)]);
        ByteBuffer punch = Frames.args(32).putLong(n.nodeId).putLong(0).putLong(2 * MIB).putInt(3);
        send(h, Fuse.FALLOCATE, 1, n.nodeId, punch.position(32));
        long mapped = n.device.status().mappedBlocks();
        if (mode == DiscardMode.IGNORE) {
          assertThat(error()).isEqualTo(Fuse.EOPNOTSUPP);
          assertThat(mapped).isEqualTo(2 * MIB / p.dataBlockSizeBytes());
        } else {
          assertThat(error()).isZero();
          assertThat(mapped).isZero();
        }
        ByteBuffer alloc = Frames.args(32).putLong(n.nodeId).putLong(0).putLong(MIB).putInt(0);
        send(h, Fuse.FALLOCATE, 2, n.nodeId, alloc.position(32));
        assertThat(error()).isEqualTo(Fuse.EOPNOTSUPP);
      }
    }
  }

  @Test
  void readsAndWritesStopAtTheEndOfTheDevice() throws Exception {
    RequestHandler h = handler(pool);
    DeviceNodes.Node n = nodes.expose(pool.createThin(1, MIB));
    send(h, Fuse.OPEN, 1, n.nodeId, Frames.args(8).putInt(2).position(8));
    assertThat(out.getLong(16)).isEqualTo(n.nodeId);
    assertThat(out.getInt(24) & Fuse.FOPEN_DIRECT_IO).isNotZero();
    assertThat(nodes.inUse(1)).isTrue();
    send(h, Fuse.WRITE, 2, n.nodeId, Frames.write(n.nodeId, MIB - 2, new byte[] {1, 2, 3}));
    assertThat(out.getInt(16)).isEqualTo(2); // short write at the end
    send(h, Fuse.WRITE, 3, n.nodeId, Frames.write(n.nodeId, MIB, new byte[] {1}));
    assertThat(error()).isEqualTo(Fuse.ENOSPC);
    int len = send(h, Fuse.READ, 4, n.nodeId, Frames.read(n.nodeId, MIB - 4, 100));
    assertThat(len).isEqualTo(Fuse.OUT_HEADER_BYTES + 4);
    assertThat(out.get(16 + 2)).isEqualTo((byte) 1);
    assertThat(out.get(16 + 3)).isEqualTo((byte) 2);
    ByteBuffer rel = Frames.args(24).putLong(n.nodeId).position(24);
    send(h, Fuse.RELEASE, 5, n.nodeId, rel);
    assertThat(nodes.inUse(1)).isFalse();
  }
}
