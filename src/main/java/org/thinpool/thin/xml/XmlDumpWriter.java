package org.thinpool.thin.xml;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.thinpool.thin.DeviceInfo;
import org.thinpool.thin.RestoreSink;
import org.thinpool.thin.SuperblockInfo;

/**
 * Writes the XML of {@code thin_dump} 0.9.0, byte for byte, as a {@link RestoreSink}.
 *
 * <p>Layout (no XML declaration, ASCII, 2 spaces of indentation per level, one element per line,
 * {@code \n} after every line, attributes in exactly this order):
 *
 * <pre>
 * &lt;superblock uuid="U" time="T" transaction="X" flags="F" version="V"
 *             data_block_size="S" nr_data_blocks="N"&gt;                  (one line)
 *   &lt;device dev_id="D" mapped_blocks="M" transaction="X" creation_time="C" snap_time="P"&gt;
 *     &lt;single_mapping origin_block="O" data_block="B" time="T"/&gt;
 *     &lt;range_mapping origin_begin="O" data_begin="B" length="L" time="T"/&gt;
 *   &lt;/device&gt;
 * &lt;/superblock&gt;
 * </pre>
 *
 * <p>Consecutive mappings merge into one run while the origin block and the data block both grow by
 * one and the time stays equal; a run of one block is a {@code single_mapping}, a longer one a
 * {@code range_mapping}. A device without mappings still gets its own open and close lines. Only
 * the current run is kept in memory, so the writer needs O(1) memory whatever the number of
 * mappings.
 *
 * <p>The writer flushes, but never closes, the underlying stream on {@link #end()}.
 */
public final class XmlDumpWriter implements RestoreSink {
  private enum State {
    BEFORE_SUPERBLOCK,
    IN_SUPERBLOCK,
    IN_DEVICE,
    ENDED
  }

  private final Writer out;
  private final StringBuilder line = new StringBuilder(128);
  private State state = State.BEFORE_SUPERBLOCK;

  /** The pending run of merged mappings; {@code runLength == 0} means none. */
  private long runOrigin;

  private long runData;
  private long runTime;
  private long runLength;

  /** The last origin block of the open device, to check the ascending order; -1 if none. */
  private long lastOrigin;

  /** Writes to {@code out}, which should be buffered; every line is one {@code write} call. */
  public XmlDumpWriter(Writer out) {
    this.out = Objects.requireNonNull(out, "out");
  }

  /** Writes ASCII to {@code out} through a buffer of its own. */
  public static XmlDumpWriter toStream(OutputStream out) {
    Objects.requireNonNull(out, "out");
    return new XmlDumpWriter(
        new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.US_ASCII), 1 << 16));
  }

  @Override
  public void superblock(SuperblockInfo sb) throws IOException {
    expect(State.BEFORE_SUPERBLOCK, "superblock");
    line.setLength(0);
    line.append("<superblock uuid=\"");
    appendEscaped(sb.uuid());
    line.append('"');
    attr("time", sb.time());
    attr("transaction", sb.transactionId());
    attr("flags", sb.flags());
    attr("version", sb.version());
    attr("data_block_size", sb.dataBlockSizeSectors());
    attr("nr_data_blocks", sb.nrDataBlocks());
    emit(">");
    state = State.IN_SUPERBLOCK;
  }

  @Override
  public void beginDevice(DeviceInfo d) throws IOException {
    expect(State.IN_SUPERBLOCK, "beginDevice");
    line.setLength(0);
    line.append("  <device");
    attr("dev_id", d.devId());
    attr("mapped_blocks", d.mappedBlocks());
    attr("transaction", d.transactionId());
    attr("creation_time", d.creationTime());
    attr("snap_time", d.snapTime());
    emit(">");
    state = State.IN_DEVICE;
    runLength = 0;
    lastOrigin = -1;
  }

  @Override
  public void mapping(long originBlock, long dataBlock, long time) throws IOException {
    expect(State.IN_DEVICE, "mapping");
    if (originBlock <= lastOrigin || dataBlock < 0 || time < 0) {
      throw new AssertionError(
          "mapping " + originBlock + " -> " + dataBlock + ", " + time + " after " + lastOrigin);
    }
    lastOrigin = originBlock;
    boolean extendsRun =
        runLength > 0
            && originBlock - runOrigin == runLength
            && dataBlock - runData == runLength
            && time == runTime;
    if (extendsRun) {
      runLength++;
      return;
    }
    flushRun();
    runOrigin = originBlock;
    runData = dataBlock;
    runTime = time;
    runLength = 1;
  }

  @Override
  public void endDevice() throws IOException {
    expect(State.IN_DEVICE, "endDevice");
    flushRun();
    line.setLength(0);
    line.append("  </device>");
    emit("");
    state = State.IN_SUPERBLOCK;
  }

  @Override
  public void end() throws IOException {
    expect(State.IN_SUPERBLOCK, "end");
    line.setLength(0);
    line.append("</superblock>");
    emit("");
    out.flush();
    state = State.ENDED;
  }

  private void flushRun() throws IOException {
    if (runLength == 0) {
      return;
    }
    line.setLength(0);
    if (runLength == 1) {
      line.append("    <single_mapping");
      attr("origin_block", runOrigin);
      attr("data_block", runData);
    } else {
      line.append("    <range_mapping");
      attr("origin_begin", runOrigin);
      attr("data_begin", runData);
      attr("length", runLength);
    }
    attr("time", runTime);
    emit("/>");
    runLength = 0;
  }

  private void attr(String name, long value) {
    line.append(' ').append(name).append("=\"").append(value).append('"');
  }

  private void emit(String tail) throws IOException {
    line.append(tail).append('\n');
    out.append(line);
  }

  /** Escapes what XML needs in an attribute and everything that is not printable ASCII. */
  private void appendEscaped(String s) {
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      i += Character.charCount(c);
      switch (c) {
        case '&' -> line.append("&amp;");
        case '<' -> line.append("&lt;");
        case '>' -> line.append("&gt;");
        case '"' -> line.append("&quot;");
        default -> {
          if (c < 0x20 || c > 0x7e) {
            line.append("&#x").append(Integer.toHexString(c)).append(';');
          } else {
            line.append((char) c);
          }
        }
      }
    }
  }

  private void expect(State expected, String call) {
    if (state != expected) {
      throw new AssertionError(call + " called in state " + state);
    }
  }
}
