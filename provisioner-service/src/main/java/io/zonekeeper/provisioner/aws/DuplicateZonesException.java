package io.zonekeeper.provisioner.aws;

import java.util.List;

/** More than one hosted zone has the organization's name: an operator must decide, Zonekeeper will not guess. */
public final class DuplicateZonesException extends RuntimeException {

    public DuplicateZonesException(String zoneName, List<String> zoneIds) {
        super(zoneIds.size() + " hosted zones are named " + zoneName + " (" + String.join(", ", zoneIds)
                + "); remove the extra ones");
    }
}
