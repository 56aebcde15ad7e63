package io.zonekeeper.testkit.faults;

import io.zonekeeper.testkit.aws.MotoAccounts;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.RRType;

/**
 * What Route53 enforces and the AWS emulator (moto 5.2.5) does not, applied by the fault proxy in front of it so a
 * test fails where production would:
 * <ul>
 *   <li>a CallerReference is accepted once, ever, also after its zone was deleted ({@code HostedZoneAlreadyExists});
 *   <li>a change batch holds at most 32,000 characters of record values, each value of an UPSERT counted twice
 *       ({@code InvalidChangeBatch}); moto checks the other limit, 1,000 values, itself;
 *   <li>a CREATE of a record set that exists is refused ({@code InvalidChangeBatch}); moto refuses it only when the
 *       same change was made before, and otherwise adds a second record set of the name and type. Read from the
 *       emulator before forwarding, so two CREATEs of one name racing each other may both pass;
 *   <li>the account holds at most {@link #hostedZoneLimit} hosted zones (Route53's default quota is 500): a create
 *       beyond it is refused ({@code TooManyHostedZones}), and {@code GetAccountLimit}, which moto does not
 *       implement, is answered with that limit and the emulator's count of zones;
 *   <li>reusable delegation sets keep their CallerReference, are made once per reference, and hold a limited number
 *       of zones ({@link ReusableDelegationSets}).
 * </ul>
 * All of it per account, as Route53 keeps it: each account of the emulator ({@link MotoAccounts}) has its own
 * references, quota and sets, and a request is judged in the account moto acts in for it.
 */
public final class Route53Enforcement implements AutoCloseable {

    static final int MAX_VALUE_CHARACTERS = 32_000;
    private static final String NAMESPACE = "https://route53.amazonaws.com/doc/2013-04-01/";

    private static final Pattern RRSET_PATH = Pattern.compile("/2013-04-01/hostedzone/([^/]+)/rrset/?");

    /** Route53's default quota of hosted zones per account. */
    public static final int DEFAULT_HOSTED_ZONE_LIMIT = 500;

    private final MotoAccounts accounts;
    private final Map<String, Account> byAccount = new ConcurrentHashMap<>();
    private final Map<String, Integer> zoneLimits = new ConcurrentHashMap<>();
    private volatile int hostedZoneLimit = DEFAULT_HOSTED_ZONE_LIMIT;
    private volatile int zonesPerSetLimit = ReusableDelegationSets.DEFAULT_ZONE_LIMIT;
    private volatile int setLimit = ReusableDelegationSets.DEFAULT_SET_LIMIT;

    /** Reads record sets from the emulator at {@code endpoint} as the administrator of each account. */
    public Route53Enforcement(URI endpoint, String administratorKey, String administratorSecret) {
        this.accounts = new MotoAccounts(endpoint, administratorKey, administratorSecret);
    }

    /** Every account's quota of hosted zones from now on (one given its own keeps it). */
    public void hostedZoneLimit(int limit) {
        this.hostedZoneLimit = limit;
    }

    /** {@code account}'s quota of hosted zones from now on. */
    public void hostedZoneLimit(String account, int limit) {
        zoneLimits.put(account, limit);
    }

    /** How many zones one reusable delegation set holds from now on, in every account (Route53's default: 100). */
    public void zonesPerDelegationSetLimit(int limit) {
        this.zonesPerSetLimit = limit;
        byAccount.values().forEach(a -> a.delegationSets.zoneLimit(limit));
    }

    /** Every account's quota of reusable delegation sets from now on (Route53's default: 100). */
    public void delegationSetLimit(int limit) {
        this.setLimit = limit;
        byAccount.values().forEach(a -> a.delegationSets.setLimit(limit));
    }

    /**
     * Route53's answer or refusal in the emulator's place, or null when the request may go on to the emulator; in
     * the account the request acts in.
     */
    FaultResponses.Response admit(Operation operation, String path, String authorization, String accountHeader,
                                  byte[] body) {
        if (!operation.service().equals("route53")) {
            return null;
        }
        return account(accounts.accountOf(authorization, accountHeader)).admit(operation, path, body);
    }

    /** The emulator's answer to an admitted request: a create that did not happen leaves its reference unused. */
    void answered(Operation operation, String path, String authorization, String accountHeader, byte[] body,
                  int status) {
        if (operation.service().equals("route53")) {
            account(accounts.accountOf(authorization, accountHeader)).answered(operation, path, body, status);
        }
    }

    private Account account(String id) {
        return byAccount.computeIfAbsent(id, account -> {
            Account created = new Account(id, accounts.route53(account));
            created.delegationSets.zoneLimit(zonesPerSetLimit);
            created.delegationSets.setLimit(setLimit);
            return created;
        });
    }

    @Override
    public void close() {
        byAccount.values().forEach(a -> a.emulator.close());
    }

    private static String withDot(String name) {
        return name.endsWith(".") ? name : name + ".";
    }

    private static int valueCharacters(Document batch) {
        int total = 0;
        NodeList changes = batch.getElementsByTagNameNS("*", "Change");
        for (int i = 0; i < changes.getLength(); i++) {
            Element change = (Element) changes.item(i);
            int weight = "UPSERT".equals(firstText(change, "Action")) ? 2 : 1;
            NodeList values = change.getElementsByTagNameNS("*", "Value");
            for (int v = 0; v < values.getLength(); v++) {
                total += weight * values.item(v).getTextContent().length();
            }
        }
        return total;
    }

    static Document parse(byte[] body) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return factory.newDocumentBuilder().parse(new ByteArrayInputStream(body));
        } catch (Exception e) {
            throw new IllegalArgumentException("not a Route53 XML request body", e);
        }
    }

    private static String firstText(Document document, String tag) {
        return firstText(document.getDocumentElement(), tag);
    }

    private static String firstText(Element element, String tag) {
        NodeList found = element.getElementsByTagNameNS("*", tag);
        return found.getLength() == 0 ? null : found.item(0).getTextContent();
    }

    /** One account's Route53 as the rules see it. */
    private final class Account {

        private final String id;
        private final Set<String> usedCallerReferences = ConcurrentHashMap.newKeySet();
        private final Route53Client emulator;
        private final ReusableDelegationSets delegationSets;

        private Account(String id, Route53Client emulator) {
            this.id = id;
            this.emulator = emulator;
            this.delegationSets = new ReusableDelegationSets(emulator, NAMESPACE);
        }

        private int hostedZoneLimit() {
            return zoneLimits.getOrDefault(id, hostedZoneLimit);
        }

        /** Route53's answer or refusal in the emulator's place, or null when the request may go on to the emulator. */
        FaultResponses.Response admit(Operation operation, String path, byte[] body) {
            if (operation.name().equals("GetAccountLimit")) {
                return accountLimit(path.substring(path.lastIndexOf('/') + 1));
            }
            if (operation.name().equals("CreateHostedZone")
                    && emulator.getHostedZoneCount().hostedZoneCount() >= hostedZoneLimit()) {
                return FaultResponses.awsError(400, NAMESPACE, "Sender", "TooManyHostedZones",
                        "This operation can't be completed because the current account has reached the limit on the"
                                + " number of hosted zones.");
            }
            FaultResponses.Response setRefusal = delegationSets.admit(operation, path, body);
            if (setRefusal != null) {
                return setRefusal;
            }
            if (operation.name().equals("CreateHostedZone")) {
                String reference = firstText(parse(body), "CallerReference");
                // Taken before forwarding so two concurrent creates with one reference cannot both pass.
                if (reference != null && !usedCallerReferences.add(reference)) {
                    delegationSets.answered(operation, path, body, 409);
                    return FaultResponses.awsError(409, NAMESPACE, "Sender", "HostedZoneAlreadyExists",
                            "A hosted zone has already been created with the specified caller reference.");
                }
            }
            if (operation.name().equals("ChangeResourceRecordSets")) {
                int characters = valueCharacters(parse(body));
                if (characters > MAX_VALUE_CHARACTERS) {
                    return FaultResponses.awsError(400, NAMESPACE, "Sender", "InvalidChangeBatch",
                            "Number of characters in values " + characters + " exceeds the limit of "
                                    + MAX_VALUE_CHARACTERS + ".");
                }
                Matcher zone = RRSET_PATH.matcher(path);
                String invalid = zone.matches() ? invalidCreate(zone.group(1), parse(body)) : null;
                if (invalid != null) {
                    return FaultResponses.awsError(400, NAMESPACE, "Sender", "InvalidChangeBatch", invalid);
                }
            }
            return null;
        }

        private FaultResponses.Response accountLimit(String type) {
            long count;
            long limit;
            switch (type) {
                case "MAX_HOSTED_ZONES_BY_OWNER" -> {
                    count = emulator.getHostedZoneCount().hostedZoneCount();
                    limit = hostedZoneLimit();
                }
                case "MAX_REUSABLE_DELEGATION_SETS_BY_OWNER" -> {
                    count = delegationSets.setCount();
                    limit = delegationSets.setLimit();
                }
                default -> {
                    return FaultResponses.awsError(400, NAMESPACE, "Sender", "InvalidInput",
                            "limit type " + type + " is not emulated here");
                }
            }
            return new FaultResponses.Response(200, "text/xml", ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                    + "<GetAccountLimitResponse xmlns=\"" + NAMESPACE + "\"><Limit><Type>" + type + "</Type><Value>"
                    + limit + "</Value></Limit><Count>" + count + "</Count></GetAccountLimitResponse>")
                    .getBytes(StandardCharsets.UTF_8));
        }

        /**
         * Route53's refusal of a CREATE in the batch, or null. Route53 validates a batch as a whole, its changes in
         * order: a CREATE of a record set the zone has is refused, unless an earlier change of the batch deleted it,
         * and so is a CREATE of one an earlier change of the batch created. moto checks neither: it adds a second
         * record set of the name and type.
         */
        private String invalidCreate(String zoneId, Document batch) {
            Map<String, Boolean> present = new HashMap<>();
            NodeList changes = batch.getElementsByTagNameNS("*", "Change");
            for (int i = 0; i < changes.getLength(); i++) {
                Element change = (Element) changes.item(i);
                String name = withDot(firstText(change, "Name"));
                String type = firstText(change, "Type");
                String set = type + " " + name.toLowerCase();
                String action = firstText(change, "Action");
                if ("DELETE".equals(action)) {
                    present.put(set, false);
                    continue;
                }
                if ("CREATE".equals(action)) {
                    if (Boolean.TRUE.equals(present.get(set))) {
                        return "The request contains an invalid set of changes for a resource record set '" + set
                                + "'";
                    }
                    if (!present.containsKey(set) && exists(zoneId, name, type)) {
                        return "[Tried to create resource record set [name='" + name + "', type='" + type
                                + "'] but it already exists]";
                    }
                }
                present.put(set, true);
            }
            return null;
        }

        private boolean exists(String zoneId, String name, String type) {
            return emulator.listResourceRecordSets(r -> r.hostedZoneId(zoneId).startRecordName(name)
                    .startRecordType(type).maxItems("1")).resourceRecordSets().stream()
                    .anyMatch(set -> withDot(set.name()).equalsIgnoreCase(name) && set.type() == RRType.fromValue(type));
        }

        /** The emulator's answer to an admitted request: a create that did not happen leaves its reference unused. */
        void answered(Operation operation, String path, byte[] body, int status) {
            delegationSets.answered(operation, path, body, status);
            if (operation.name().equals("CreateHostedZone") && (status < 200 || status >= 300)) {
                String reference = firstText(parse(body), "CallerReference");
                if (reference != null) {
                    usedCallerReferences.remove(reference);
                }
            }
        }
    }
}
