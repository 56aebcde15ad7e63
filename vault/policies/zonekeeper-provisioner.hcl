# Vault policy of the provisioner-service (least privilege). Render it before writing it to Vault: ${VAULT_KV_MOUNT} and the
# prefix are the service's settings of the same name; ${KUBECONFIG_PREFIX} is the folder under which the upstream
# provisioner stores kubeconfigs (the lifecycle events' kubeconfigVaultPath). envsubst does it, as compose's init
# job does; the tests and the local run use OpenBaoMount.serviceToken.

# The access key of every organization's IAM user, at <prefix>/<orgId>/aws: written with check-and-set, read back,
# its version looked up, and deleted with its metadata when the organization is torn down.
path "${VAULT_KV_MOUNT}/data/${CREDENTIALS_VAULT_PREFIX}/*" {
  capabilities = ["create", "read", "update"]
}
path "${VAULT_KV_MOUNT}/metadata/${CREDENTIALS_VAULT_PREFIX}/*" {
  capabilities = ["read", "delete"]
}

# The kubeconfigs the upstream provisioner stores for each cluster: read only.
path "${VAULT_KV_MOUNT}/data/${KUBECONFIG_PREFIX}/*" {
  capabilities = ["read"]
}
