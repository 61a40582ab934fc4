package org.thinpool.thin.xml;

import java.io.IOException;

/**
 * The input is not a valid {@code thin_dump} XML document. The message is one line and starts with
 * {@code line N:}, the line of the offending construct (for a start tag, the line where it ends).
 */
public final class XmlFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  private final int lineNumber;

  /** Creates the exception for a problem at {@code lineNumber} ({@code -1} if unknown). */
  public XmlFormatException(int lineNumber, String reason) {
    super("line " + lineNumber + ": " + reason);
    this.lineNumber = lineNumber;
  }

  /** As {@link #XmlFormatException(int, String)}, keeping the parser's exception as cause. */
  public XmlFormatException(int lineNumber, String reason, Throwable cause) {
    super("line " + lineNumber + ": " + reason, cause);
    this.lineNumber = lineNumber;
  }

  /** The 1-based line of the problem, or {@code -1} if the parser could not tell. */
  public int lineNumber() {
    return lineNumber;
  }
}
