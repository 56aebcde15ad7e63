package io.zonekeeper.testkit.faults;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.DelegationSet;
import software.amazon.awssdk.services.route53.model.HostedZone;
import software.amazon.awssdk.services.route53.model.NoSuchDelegationSetException;
import software.amazon.awssdk.services.route53.model.NoSuchHostedZoneException;

/**
 * Route53's reusable delegation sets as Route53 keeps them, where the AWS emulator (moto 5.2.5) does not. Its
 * create, list and get are answered here through the emulator, and its zones are counted here:
 * <ul>
 *   <li>a set keeps the CallerReference it was created with; moto replaces it with {@code DelSet_<zone>} whenever
 *       a zone is created in the set, so nothing could find its set by reference after its first zone;
 *   <li>a CallerReference makes one set, ever ({@code DelegationSetAlreadyCreated}); the account holds at most
 *       {@link #setLimit} sets ({@code LimitsExceeded}; Route53's default quota is 100);
 *   <li>a set holds at most {@link #zoneLimit} zones (Route53's default is 100): a create beyond it is refused
 *       ({@code TooManyHostedZones}), and {@code GetReusableDelegationSetLimit}, which moto does not implement, is
 *       answered with that limit and the set's count.
 * </ul>
 * Zones are counted from the requests that pass: a set first seen here (made directly in the emulator) is counted
 * once by reading every zone of the emulator.
 */
final class ReusableDelegationSets {

    /** Route53's default quotas: zones per reusable delegation set, and reusable delegation sets per account. */
    static final int DEFAULT_ZONE_LIMIT = 100;
    static final int DEFAULT_SET_LIMIT = 100;

    private static final Pattern LIMIT_PATH =
            Pattern.compile("/2013-04-01/reusabledelegationsetlimit/([^/]+)/MAX_ZONES_BY_REUSABLE_DELEGATION_SET");
    private static final Pattern ZONE_PATH = Pattern.compile("/2013-04-01/hostedzone/([^/]+)");

    private final Route53Client emulator;
    private final String namespace;
    /** CallerReference of each set created through here, by bare set id. */
    private final Map<String, String> references = new ConcurrentHashMap<>();
    /** Zones in each set, by bare set id. */
    private final Map<String, Integer> zones = new ConcurrentHashMap<>();
    /** The set of each zone whose deletion is on its way to the emulator. */
    private final Map<String, String> deleting = new ConcurrentHashMap<>();
    private volatile int zoneLimit = DEFAULT_ZONE_LIMIT;
    private volatile int setLimit = DEFAULT_SET_LIMIT;

    ReusableDelegationSets(Route53Client emulator, String namespace) {
        this.emulator = emulator;
        this.namespace = namespace;
    }

    void zoneLimit(int limit) {
        this.zoneLimit = limit;
    }

    void setLimit(int limit) {
        this.setLimit = limit;
    }

    int setLimit() {
        return setLimit;
    }

    long setCount() {
        return sets().size();
    }

    /**
     * The emulator's reusable delegation sets. moto also keeps one, with an empty id, for every zone created
     * outside a set; Route53 has no such sets.
     */
    private List<DelegationSet> sets() {
        return emulator.listReusableDelegationSets().delegationSets().stream()
                .filter(set -> set.id() != null && !bare(set.id()).isEmpty()).toList();
    }

    /** Route53's answer in the emulator's place, or null when the request goes on to the emulator. */
    synchronized FaultResponses.Response admit(Operation operation, String path, byte[] body) {
        switch (operation.name()) {
            case "CreateReusableDelegationSet" -> {
                return create(Route53Enforcement.parse(body).getElementsByTagNameNS("*", "CallerReference")
                        .item(0).getTextContent());
            }
            case "ListReusableDelegationSets" -> {
                StringBuilder sets = new StringBuilder();
                sets().forEach(set -> sets.append(xml(set)));
                return ok("ListReusableDelegationSetsResponse", "<DelegationSets>" + sets + "</DelegationSets>"
                        + "<IsTruncated>false</IsTruncated><MaxItems>100</MaxItems>");
            }
            case "GetReusableDelegationSet" -> {
                String id = path.substring(path.lastIndexOf('/') + 1);
                try {
                    return ok("GetReusableDelegationSetResponse",
                            xml(emulator.getReusableDelegationSet(r -> r.id(id)).delegationSet()));
                } catch (NoSuchDelegationSetException e) {
                    return FaultResponses.awsError(400, namespace, "Sender", "NoSuchDelegationSet",
                            "A reusable delegation set with the specified ID does not exist.");
                }
            }
            case "GetReusableDelegationSetLimit" -> {
                Matcher limit = LIMIT_PATH.matcher(path);
                if (!limit.matches()) {
                    return FaultResponses.awsError(400, namespace, "Sender", "InvalidInput", "Invalid limit type.");
                }
                return ok("GetReusableDelegationSetLimitResponse", "<Limit><Type>"
                        + "MAX_ZONES_BY_REUSABLE_DELEGATION_SET</Type><Value>" + zoneLimit + "</Value></Limit><Count>"
                        + count(bare(limit.group(1))) + "</Count>");
            }
            case "CreateHostedZone" -> {
                String set = setOfCreate(body);
                if (set == null) {
                    return null;
                }
                if (count(set) >= zoneLimit) {
                    return FaultResponses.awsError(400, namespace, "Sender", "TooManyHostedZones", "This operation"
                            + " can't be completed because you've reached the limit on the number of hosted zones"
                            + " that can be associated with a reusable delegation set.");
                }
                // Counted before forwarding, as Route53 admits creates one at a time; given back if it fails.
                zones.put(set, count(set) + 1);
                return null;
            }
            case "DeleteHostedZone" -> {
                Matcher zone = ZONE_PATH.matcher(path);
                if (zone.matches()) {
                    String set = setOf(zone.group(1));
                    if (set != null) {
                        deleting.put(zone.group(1), set);
                    }
                }
                return null;
            }
            default -> {
                return null;
            }
        }
    }

    /** Gives back the room of a create that failed, or forgets the zone a delete removed, once answered. */
    synchronized void answered(Operation operation, String path, byte[] body, int status) {
        boolean done = status >= 200 && status < 300;
        String created = operation.name().equals("CreateHostedZone") && !done ? setOfCreate(body) : null;
        if (created != null) {
            zones.put(created, Math.max(0, count(created) - 1));
        }
        Matcher zone = ZONE_PATH.matcher(path);
        if (operation.name().equals("DeleteHostedZone") && zone.matches()) {
            String set = deleting.remove(zone.group(1));
            if (set != null && done) {
                zones.put(set, Math.max(0, count(set) - 1));
            }
        }
    }

    private FaultResponses.Response create(String reference) {
        if (references.containsValue(reference)) {
            return FaultResponses.awsError(409, namespace, "Sender", "DelegationSetAlreadyCreated",
                    "A delegation set with the same owner and caller reference combination has already been created.");
        }
        if (setCount() >= setLimit) {
            return FaultResponses.awsError(400, namespace, "Sender", "LimitsExceeded", "This operation can't be"
                    + " completed because the current account has reached the limit on reusable delegation sets"
                    + " that it can create.");
        }
        DelegationSet made = emulator.createReusableDelegationSet(r -> r.callerReference(reference)).delegationSet();
        references.put(bare(made.id()), reference);
        zones.put(bare(made.id()), 0);
        return new FaultResponses.Response(201, "text/xml", document("CreateReusableDelegationSetResponse",
                xml(made)));
    }

    /** The zones in the set: counted here, or once from the emulator for a set not seen before. */
    private int count(String set) {
        return zones.computeIfAbsent(set, s -> {
            int inSet = 0;
            for (HostedZone zone : emulator.listHostedZonesPaginator(r -> r.maxItems("100")).hostedZones()) {
                if (s.equals(setOf(zone.id()))) {
                    inSet++;
                }
            }
            return inSet;
        });
    }

    private static String setOfCreate(byte[] body) {
        var ids = Route53Enforcement.parse(body).getElementsByTagNameNS("*", "DelegationSetId");
        return ids.getLength() == 0 ? null : bare(ids.item(0).getTextContent());
    }

    private String setOf(String zoneId) {
        try {
            DelegationSet set = emulator.getHostedZone(r -> r.id(zoneId)).delegationSet();
            return set == null || set.id() == null || set.id().isEmpty() ? null : bare(set.id());
        } catch (NoSuchHostedZoneException e) {
            return null;
        }
    }

    private String xml(DelegationSet set) {
        String reference = references.getOrDefault(bare(set.id()), set.callerReference());
        StringBuilder servers = new StringBuilder();
        set.nameServers().forEach(ns -> servers.append("<NameServer>").append(ns).append("</NameServer>"));
        return "<DelegationSet><Id>" + set.id() + "</Id>" + (reference == null ? ""
                : "<CallerReference>" + reference + "</CallerReference>") + "<NameServers>" + servers
                + "</NameServers></DelegationSet>";
    }

    private FaultResponses.Response ok(String element, String content) {
        return new FaultResponses.Response(200, "text/xml", document(element, content));
    }

    private byte[] document(String element, String content) {
        return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><" + element + " xmlns=\"" + namespace + "\">" + content
                + "</" + element + ">").getBytes(StandardCharsets.UTF_8);
    }

    private static String bare(String id) {
        return id.startsWith("/delegationset/") ? id.substring("/delegationset/".length()) : id;
    }
}
