package org.thinpool.server;

/**
 * Runs one control request against the served pool: the CLI supplies it (the server cannot depend
 * on the CLI), so a served pool runs the same commands with the same output.
 */
@FunctionalInterface
public interface ControlHandler {
  ControlProtocol.Response run(ControlProtocol.Request request, ServerContext context);
}
