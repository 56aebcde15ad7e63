package io.zonekeeper.provisioner.aws;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.route53.model.Change;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.ResourceRecord;

/**
 * Splits changes into ChangeResourceRecordSets requests within all of Route53's limits on one request: 1,000
 * changes, 1,000 record values and 32,000 characters of values, where an UPSERT's values count twice. A zone's
 * records are deleted in as few requests as these allow (requests are the budget). Pure: no I/O.
 */
public final class ChangeBatches {

    static final int MAX_CHANGES = 1_000;
    static final int MAX_VALUES = 1_000;
    static final int MAX_VALUE_CHARACTERS = 32_000;

    private ChangeBatches() {
    }

    /** The changes in order, cut into requests; a change over a limit on its own goes alone (Route53 says why). */
    public static List<List<Change>> of(List<Change> changes) {
        List<List<Change>> batches = new ArrayList<>();
        List<Change> current = new ArrayList<>();
        int values = 0;
        int characters = 0;
        for (Change change : changes) {
            int weight = change.action() == ChangeAction.UPSERT ? 2 : 1;
            List<ResourceRecord> records = change.resourceRecordSet().resourceRecords();
            int changeValues = weight * records.size();
            int changeCharacters = weight * records.stream().mapToInt(r -> r.value().length()).sum();
            if (!current.isEmpty() && (current.size() + 1 > MAX_CHANGES || values + changeValues > MAX_VALUES
                    || characters + changeCharacters > MAX_VALUE_CHARACTERS)) {
                batches.add(current);
                current = new ArrayList<>();
                values = 0;
                characters = 0;
            }
            current.add(change);
            values += changeValues;
            characters += changeCharacters;
        }
        if (!current.isEmpty()) {
            batches.add(current);
        }
        return batches;
    }
}
