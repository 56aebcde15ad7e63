package io.zonekeeper.provisioner.aws;

import io.zonekeeper.common.retry.RejectedRecordException;
import java.util.List;

/** More than one hosted zone has the organization's name: an operator must decide, Zonekeeper will not guess. */
public final class DuplicateZonesException extends RejectedRecordException {

    private final List<String> zoneIds;

    public DuplicateZonesException(String zoneName, List<String> zoneIds) {
        super(zoneIds.size() + " hosted zones are named " + zoneName + " (" + String.join(", ", zoneIds)
                + "); remove the extra ones");
        this.zoneIds = List.copyOf(zoneIds);
    }

    public List<String> zoneIds() {
        return zoneIds;
    }
}
