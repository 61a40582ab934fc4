package org.thinpool.thin.xml;

import java.util.ArrayList;
import java.util.List;
import org.thinpool.thin.DeviceInfo;
import org.thinpool.thin.RestoreSink;
import org.thinpool.thin.SuperblockInfo;

/** A sink that records every call as one line of text, for assertions on the event stream. */
final class RecordingSink implements RestoreSink {
  final List<String> events = new ArrayList<>();

  @Override
  public void superblock(SuperblockInfo sb) {
    events.add(sb.toString());
  }

  @Override
  public void beginDevice(DeviceInfo d) {
    events.add(d.toString());
  }

  @Override
  public void mapping(long originBlock, long dataBlock, long time) {
    events.add("map " + originBlock + " " + dataBlock + " " + time);
  }

  @Override
  public void endDevice() {
    events.add("endDevice");
  }

  @Override
  public void end() {
    events.add("end");
  }
}
