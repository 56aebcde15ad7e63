package io.zonekeeper.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Each AWS account of the provisioner's pool: how much of its quotas is used and how many organizations still fit
 * (from the provisioner's own gauges, as it last read them), and what lives there (organizations, their zones and
 * running clusters, from the reaper's query endpoint). The provisioner's own account is {@code own}.
 */
@Command(name = "accounts", mixinStandardHelpOptions = true,
        description = "Each AWS account's quotas, room and organizations.")
final class AccountsCommand implements Callable<Integer> {

    /** One quota as the provisioner publishes it; -1 where it has not read it (yet, or was refused). */
    record Quota(long used, long limit) {

        long room() {
            return used < 0 || limit < 0 ? -1 : Math.max(0, limit - used);
        }

        @Override
        public String toString() {
            return used < 0 || limit < 0 ? "not read" : used + "/" + limit;
        }
    }

    /** What lives in one account. */
    record Use(int organizations, int zones, int runningClusters) {

        Use plus(Use other) {
            return new Use(organizations + other.organizations, zones + other.zones,
                    runningClusters + other.runningClusters);
        }
    }

    // The Prometheus text format is parsed by hand: three gauges are read, and no maintained Java library parses
    // the exposition format (the Prometheus client writes it; its parsers are for Go and Python).
    private static final Pattern SAMPLE = Pattern.compile("^zonekeeper_aws_quota_(used|limit)\\{([^}]*)}\\s+(\\S+)");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--provisioner", defaultValue = "${env:ZK_PROVISIONER_URL:-http://localhost:8080}",
            description = "any provisioner instance's operations port (default: $ZK_PROVISIONER_URL or"
                    + " ${DEFAULT-VALUE})")
    String provisioner;

    @Option(names = "--reaper", defaultValue = "${env:ZK_REAPER_URL:-http://localhost:8080}",
            description = "any reaper instance's HTTP address (default: $ZK_REAPER_URL or ${DEFAULT-VALUE})")
    String reaper;

    @Override
    public Integer call() {
        Map<String, Map<String, Quota>> quotas = quotas(scrape(provisioner));
        Map<String, Use> use = use(OrgsCommand.all(reaper));
        TreeSet<String> accounts = new TreeSet<>(quotas.keySet());
        accounts.addAll(use.keySet());
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-14s %-6s %-6s %-9s %-14s %-14s %-16s %s%n", "ACCOUNT", "ORGS", "ZONES", "CLUSTERS",
                "HOSTED ZONES", "IAM USERS", "DELEGATION SETS", "ROOM");
        for (String account : accounts) {
            Map<String, Quota> of = quotas.getOrDefault(account, Map.of());
            Use here = use.getOrDefault(account, new Use(0, 0, 0));
            Quota zones = of.getOrDefault("hosted_zones", new Quota(-1, -1));
            Quota users = of.getOrDefault("iam_users", new Quota(-1, -1));
            long room = zones.room() < 0 || users.room() < 0 ? -1 : Math.min(zones.room(), users.room());
            out.printf("%-14s %-6d %-6d %-9d %-14s %-14s %-16s %s%n", account, here.organizations(), here.zones(),
                    here.runningClusters(), zones, users, of.getOrDefault("delegation_sets", new Quota(-1, -1)),
                    room < 0 ? "unknown" : room + " organization(s)");
        }
        out.printf("%d account(s); quotas as the provisioner last read them (QUOTA_REFRESH)%n", accounts.size());
        return 0;
    }

    /** The quota gauges of a Prometheus scrape, by account and quota. */
    static Map<String, Map<String, Quota>> quotas(String scrape) {
        Map<String, Map<String, long[]>> read = new TreeMap<>();
        for (String line : scrape.split("\n")) {
            Matcher sample = SAMPLE.matcher(line);
            if (!sample.find()) {
                continue;
            }
            Map<String, String> labels = new HashMap<>();
            Matcher label = LABEL.matcher(sample.group(2));
            while (label.find()) {
                labels.put(label.group(1), label.group(2));
            }
            double value = Double.parseDouble(sample.group(3));
            long[] figures = read.computeIfAbsent(labels.getOrDefault("account", ReapsCommand.OWN), a -> new TreeMap<>())
                    .computeIfAbsent(labels.get("quota"), q -> new long[] {-1, -1});
            figures[sample.group(1).equals("used") ? 0 : 1] = Double.isNaN(value) ? -1 : (long) value;
        }
        Map<String, Map<String, Quota>> quotas = new TreeMap<>();
        read.forEach((account, byQuota) -> {
            Map<String, Quota> each = new TreeMap<>();
            byQuota.forEach((quota, figures) -> each.put(quota, new Quota(figures[0], figures[1])));
            quotas.put(account, each);
        });
        return quotas;
    }

    /** What the reaper knows lives in each account: organizations, their zones, running clusters. */
    static Map<String, Use> use(List<JsonNode> orgs) {
        Map<String, Use> use = new TreeMap<>();
        for (JsonNode org : orgs) {
            JsonNode zone = org.get("zone");
            if (zone == null || zone.isNull()) {
                continue;
            }
            String status = zone.path("status").asText();
            boolean hasZone = status.equals("READY") || status.equals("DELETING");
            use.merge(zone.path("awsAccount").asText(ReapsCommand.OWN),
                    new Use(1, hasZone ? 1 : 0, org.path("clusterCount").asInt()), Use::plus);
        }
        return use;
    }

    private static String scrape(String base) {
        URI uri = URI.create(base.replaceAll("/+$", "") + "/metrics");
        try {
            HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                    .send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15)).GET().build(),
                            HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new Zk.Refused("the provisioner answered " + response.statusCode() + " at " + uri);
            }
            return response.body();
        } catch (IOException e) {
            throw new Zk.Unreachable("cannot reach the provisioner at " + base + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Zk.Unreachable("interrupted", e);
        }
    }
}
