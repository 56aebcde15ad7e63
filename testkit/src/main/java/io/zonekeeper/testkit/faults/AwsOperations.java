package io.zonekeeper.testkit.faults;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Names the AWS operation of a request the way AWS does: Route53 is a REST-XML API whose operation follows from
 * method and path; IAM is a Query API whose operation is the {@code Action} form parameter.
 */
public final class AwsOperations {

    private record Route(String method, Pattern path, String operation) {
    }

    private static final String ID = "[^/]+";
    private static final List<Route> ROUTE53 = List.of(
            route("POST", "/2013-04-01/hostedzone", "CreateHostedZone"),
            route("GET", "/2013-04-01/hostedzone", "ListHostedZones"),
            route("GET", "/2013-04-01/hostedzonesbyname", "ListHostedZonesByName"),
            route("GET", "/2013-04-01/hostedzonecount", "GetHostedZoneCount"),
            route("GET", "/2013-04-01/accountlimit/" + ID, "GetAccountLimit"),
            route("GET", "/2013-04-01/hostedzone/" + ID, "GetHostedZone"),
            route("DELETE", "/2013-04-01/hostedzone/" + ID, "DeleteHostedZone"),
            route("POST", "/2013-04-01/hostedzone/" + ID, "UpdateHostedZoneComment"),
            route("POST", "/2013-04-01/hostedzone/" + ID + "/rrset/?", "ChangeResourceRecordSets"),
            route("GET", "/2013-04-01/hostedzone/" + ID + "/rrset/?", "ListResourceRecordSets"),
            route("GET", "/2013-04-01/change/" + ID, "GetChange"),
            route("POST", "/2013-04-01/tags/hostedzone/" + ID, "ChangeTagsForResource"),
            route("GET", "/2013-04-01/tags/hostedzone/" + ID, "ListTagsForResource"),
            route("POST", "/2013-04-01/tags/hostedzone", "ListTagsForResources"),
            route("POST", "/2013-04-01/delegationset", "CreateReusableDelegationSet"),
            route("GET", "/2013-04-01/delegationset", "ListReusableDelegationSets"),
            route("GET", "/2013-04-01/delegationset/" + ID, "GetReusableDelegationSet"),
            route("DELETE", "/2013-04-01/delegationset/" + ID, "DeleteReusableDelegationSet"),
            route("GET", "/2013-04-01/reusabledelegationsetlimit/" + ID + "/" + ID, "GetReusableDelegationSetLimit"));

    private static final String IAM_VERSION = "2010-05-08";

    private AwsOperations() {
    }

    private static Route route(String method, String path, String operation) {
        return new Route(method, Pattern.compile(path), operation);
    }

    /** Classifies a request to the AWS endpoint; anything unrecognised is named by method and path. */
    public static Operation classify(String method, String path, String query, byte[] body) {
        if (path.startsWith("/2013-04-01/")) {
            for (Route route : ROUTE53) {
                if (route.method().equals(method) && route.path().matcher(path).matches()) {
                    return new Operation("route53", route.operation());
                }
            }
            return new Operation("route53", method + " " + path);
        }
        String form = new String(body, StandardCharsets.UTF_8);
        String action = parameter(form, "Action");
        String version = parameter(form, "Version");
        if (action == null && query != null) {
            action = parameter(query, "Action");
            version = parameter(query, "Version");
        }
        if (action == null) {
            return new Operation("http", method + " " + path);
        }
        return new Operation(IAM_VERSION.equals(version) ? "iam" : "query", action);
    }

    private static String parameter(String form, String name) {
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
