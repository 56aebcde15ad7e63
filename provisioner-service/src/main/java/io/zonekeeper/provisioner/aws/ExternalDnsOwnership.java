package io.zonekeeper.provisioner.aws;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.route53.model.RRType;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;

/**
 * Which records of a zone one ExternalDNS owner (a cluster) made, read from ExternalDNS's TXT registry: each
 * managed record has a TXT record whose value names the owner, either at the same name (the old format) or at
 * {@code <type>-<name>} (the format ExternalDNS writes since 0.12). Pure: no I/O.
 */
public final class ExternalDnsOwnership {

    private ExternalDnsOwnership() {
    }

    public static List<ResourceRecordSet> ownedBy(String ownerId, List<ResourceRecordSet> sets, String zoneName) {
        Pattern owner = Pattern.compile("external-dns/owner=" + Pattern.quote(ownerId) + "(,|\"|$)");
        List<ResourceRecordSet> registry = sets.stream()
                .filter(set -> set.type() == RRType.TXT && set.resourceRecords().stream()
                        .anyMatch(r -> r.value().contains("heritage=external-dns") && owner.matcher(r.value()).find()))
                .toList();
        List<ResourceRecordSet> owned = new ArrayList<>(registry);
        for (ResourceRecordSet set : sets) {
            if (set.type() == RRType.TXT || isApexInfrastructure(set, zoneName)) {
                continue;
            }
            String typePrefix = set.typeAsString().toLowerCase(Locale.ROOT) + "-";
            for (ResourceRecordSet txt : registry) {
                String txtName = txt.name();
                boolean oldFormat = txtName.equals(set.name());
                boolean newFormat = txtName.startsWith(typePrefix) && txtName.substring(typePrefix.length()).equals(set.name());
                boolean newFormatWildcard = set.name().startsWith("\\052.") && txtName.equals("\\052." + typePrefix
                        + set.name().substring("\\052.".length()));
                if (oldFormat || newFormat || newFormatWildcard) {
                    owned.add(set);
                    break;
                }
            }
        }
        return owned;
    }

    /** Every record except the zone's own SOA and NS at the apex, which Route53 keeps until the zone goes. */
    public static List<ResourceRecordSet> allButApexInfrastructure(List<ResourceRecordSet> sets, String zoneName) {
        return sets.stream().filter(set -> !isApexInfrastructure(set, zoneName)).toList();
    }

    private static boolean isApexInfrastructure(ResourceRecordSet set, String zoneName) {
        return Set.of(RRType.SOA, RRType.NS).contains(set.type()) && HostedZones.withDot(set.name()).equals(zoneName);
    }
}
