package io.zonekeeper.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** One organization as the reaper sees it. */
@Command(name = "org", mixinStandardHelpOptions = true, description = "Show one organization: clusters, zone, pending reap.")
final class OrgCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--reaper", defaultValue = "${env:ZK_REAPER_URL:-http://localhost:8080}",
            description = "any reaper instance's HTTP address (default: $ZK_REAPER_URL or ${DEFAULT-VALUE})")
    String reaper;

    @Parameters(index = "0", description = "organization id")
    String orgId;

    @Override
    public Integer call() {
        JsonNode org = OrgsCommand.get(reaper, "/orgs/" + URLEncoder.encode(orgId, StandardCharsets.UTF_8));
        var out = spec.commandLine().getOut();
        OrgsCommand.header(out);
        OrgsCommand.row(out, org);
        out.println("clusters in use: " + (org.get("clustersInUse").isEmpty() ? "none" : org.get("clustersInUse")));
        out.println("served by: " + org.get("servedBy").asText());
        return 0;
    }
}
