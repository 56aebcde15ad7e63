package io.zonekeeper.provisioner.aws;

import java.util.List;

/** A hosted zone as found in Route53: its id (without {@code /hostedzone/}), name and name servers. */
public record Zone(String id, String name, List<String> nameServers) {

    public Zone {
        nameServers = List.copyOf(nameServers);
    }
}
