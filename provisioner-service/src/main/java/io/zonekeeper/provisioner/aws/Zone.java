package io.zonekeeper.provisioner.aws;

import java.util.List;

/**
 * A hosted zone as found in Route53: its id (without {@code /hostedzone/}), name and name servers, and the two
 * facts every listing returns that say who made it: the CallerReference it was created with and its comment.
 */
public record Zone(String id, String name, List<String> nameServers, String callerReference, String comment) {

    public Zone {
        nameServers = List.copyOf(nameServers);
    }
}
