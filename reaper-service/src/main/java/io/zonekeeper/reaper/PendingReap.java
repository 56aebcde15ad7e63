package io.zonekeeper.reaper;

import io.zonekeeper.schemas.ReapReason;

/** A reap decided for an unused zone, waiting in a state store until it is due. Times in epoch milliseconds. */
public record PendingReap(String orgName, String zoneId, long zoneCreatedAt, ReapReason reason, long decidedAt,
                          long dueAt, int partition, long offset) {
}
