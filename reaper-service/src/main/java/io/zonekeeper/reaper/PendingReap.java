package io.zonekeeper.reaper;

import io.zonekeeper.schemas.ReapReason;

/**
 * A reap decided for an unused zone, waiting in a state store until it is due, then until the zone is gone.
 * Times in epoch milliseconds.
 *
 * @param commandedAt when the command was last sent, 0 while it is not due. A commanded reap stays until the
 *                    provisioner's state says the zone is gone: the provisioner may refuse the command (it saw a
 *                    newer event, which may change nothing here, like a duplicate) and the reap must then be
 *                    commanded again with the newer position, or the zone would be kept for ever.
 */
public record PendingReap(String orgName, String zoneId, long zoneCreatedAt, ReapReason reason, long decidedAt,
                          long dueAt, int partition, long offset, long commandedAt) {

    public boolean commanded() {
        return commandedAt > 0;
    }

    public PendingReap commanded(long at) {
        return new PendingReap(orgName, zoneId, zoneCreatedAt, reason, decidedAt, dueAt, partition, offset, at);
    }
}
