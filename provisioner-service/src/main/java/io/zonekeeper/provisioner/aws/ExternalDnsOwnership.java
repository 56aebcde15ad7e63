package io.zonekeeper.provisioner.aws;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.route53.model.RRType;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;

/**
 * Which records of a zone one ExternalDNS owner (a cluster) made, read from ExternalDNS's TXT registry the way
 * ExternalDNS itself reads it. Pure: no I/O.
 *
 * <p>A registry TXT names its owner in its value and claims the records of one <em>key</em>: a name, a set
 * identifier (weighted, failover and latency records of several clusters share a name and differ only in it; the
 * TXT carries the same one) and whether the record is an AAAA. The TXT's own name gives the record name in one of
 * two formats: the old one, at the record's name (claims every type but AAAA), and the new one since 0.12,
 * {@code <type>-<first label>.<rest>}, the only one written with {@code --txt-new-format-only} and for AAAA. The
 * type in the new name is ExternalDNS's, not Route53's: an alias to a load balancer is a {@code cname-} TXT over a
 * Route53 A or AAAA record. A wildcard keeps its asterisk behind the type ({@code a-*.web}).
 *
 * <p>A name such as {@code a-team} is ambiguous (an old-format TXT of {@code a-team}, or a new-format one of
 * {@code team}); both readings are claimed, and a record another owner's TXT also claims is never taken, so the
 * ambiguity can leave a record behind but never delete one of another cluster's.
 */
public final class ExternalDnsOwnership {

    /** The types ExternalDNS writes into new-format registry names (0.15 writes the first four; later add more). */
    private static final List<String> REGISTRY_TYPES = List.of("aaaa", "a", "cname", "ns", "mx", "srv", "naptr");
    private static final Pattern OWNER = Pattern.compile("external-dns/owner=([^,\"]*)");

    /** What one registry TXT claims. */
    private record Key(String name, String setIdentifier, boolean aaaa) {
    }

    private ExternalDnsOwnership() {
    }

    /** The registry TXT records of {@code ownerId} and the records they claim (and no other owner does). */
    public static List<ResourceRecordSet> ownedBy(String ownerId, List<ResourceRecordSet> sets, String zoneName) {
        Set<Key> ours = new HashSet<>();
        Set<Key> others = new HashSet<>();
        for (ResourceRecordSet set : sets) {
            owner(set).ifPresent(owner -> (owner.equals(ownerId) ? ours : others).addAll(keysClaimedBy(set)));
        }
        return sets.stream().filter(set -> {
            Optional<String> owner = owner(set);
            if (owner.isPresent()) {
                return owner.get().equals(ownerId);
            }
            if (set.type() == RRType.TXT || isApexInfrastructure(set, zoneName)) {
                return false;
            }
            Key key = new Key(normalise(set.name()), identifier(set), set.type() == RRType.AAAA);
            return ours.contains(key) && !others.contains(key);
        }).toList();
    }

    /** Every record except the zone's own SOA and NS at the apex, which Route53 keeps until the zone goes. */
    public static List<ResourceRecordSet> allButApexInfrastructure(List<ResourceRecordSet> sets, String zoneName) {
        return sets.stream().filter(set -> !isApexInfrastructure(set, zoneName)).toList();
    }

    /** The owner a registry TXT names, if the set is one. */
    private static Optional<String> owner(ResourceRecordSet set) {
        if (set.type() != RRType.TXT) {
            return Optional.empty();
        }
        return set.resourceRecords().stream()
                .filter(r -> r.value().contains("heritage=external-dns"))
                .map(r -> OWNER.matcher(r.value()))
                .filter(Matcher::find)
                .map(m -> m.group(1))
                .findFirst();
    }

    private static Set<Key> keysClaimedBy(ResourceRecordSet txt) {
        String name = normalise(txt.name());
        String identifier = identifier(txt);
        Set<Key> keys = new HashSet<>();
        keys.add(new Key(name, identifier, false));
        int dash = name.indexOf('-');
        int firstDot = name.indexOf('.');
        if (dash > 0 && (firstDot < 0 || dash < firstDot)) {
            String type = name.substring(0, dash);
            if (REGISTRY_TYPES.contains(type)) {
                keys.add(new Key(name.substring(dash + 1), identifier, type.equals("aaaa")));
            }
        }
        return keys;
    }

    /** Route53 returns names lower-case, absolute, with {@code *} escaped as {@code \052}. */
    private static String normalise(String name) {
        String absolute = HostedZones.withDot(name.toLowerCase(Locale.ROOT));
        return absolute.replace("*", "\\052");
    }

    private static String identifier(ResourceRecordSet set) {
        return set.setIdentifier() == null ? "" : set.setIdentifier();
    }

    private static boolean isApexInfrastructure(ResourceRecordSet set, String zoneName) {
        return Set.of(RRType.SOA, RRType.NS).contains(set.type()) && HostedZones.withDot(set.name()).equals(zoneName);
    }
}
