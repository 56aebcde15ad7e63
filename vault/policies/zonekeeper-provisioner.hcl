# Vault policy of the provisioner-service (least privilege). Render it before writing it to Vault: each placeholder is the
# service's setting of that name (${KUBECONFIG_VAULT_PREFIX}: the folder under which the upstream provisioner stores
# kubeconfigs, the only one the service reads them from). envsubst does it, as compose's vault-init job does with sed;
# the tests and the local run use the testkit's ServicePolicies.

# The access key of every organization's IAM user, at <prefix>/<orgId>/aws: written with check-and-set, read back,
# its version looked up, and deleted with its metadata when the organization is torn down.
path "${VAULT_KV_MOUNT}/data/${CREDENTIALS_VAULT_PREFIX}/*" {
  capabilities = ["create", "read", "update"]
}
path "${VAULT_KV_MOUNT}/metadata/${CREDENTIALS_VAULT_PREFIX}/*" {
  capabilities = ["read", "delete"]
}

# Which organization each cluster belongs to (<claims>/clusters/<clusterId>, <claims>/kubeconfigs/<path>,
# <claims>/apiservers/<digest>), shared with the other service so both decide ownership the same way: claimed
# "only if absent" with check-and-set, read, and destroyed when the owner's deletion releases the cluster. No secrets.
path "${VAULT_KV_MOUNT}/data/${CLUSTER_CLAIMS_VAULT_PREFIX}/*" {
  capabilities = ["create", "read", "update"]
}
path "${VAULT_KV_MOUNT}/metadata/${CLUSTER_CLAIMS_VAULT_PREFIX}/*" {
  capabilities = ["read", "delete"]
}

# The kubeconfigs the upstream provisioner stores for each cluster: read only.
path "${VAULT_KV_MOUNT}/data/${KUBECONFIG_VAULT_PREFIX}/*" {
  capabilities = ["read"]
}
