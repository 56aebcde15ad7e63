{{/* The release's name for its objects, at most 63 characters with a component suffix. */}}
{{- define "zonekeeper.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "zonekeeper.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component; call with (dict "root" $ "component" "provisioner"). */}}
{{- define "zonekeeper.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "zonekeeper.serviceAccountName" -}}
{{- $values := index .root.Values .component -}}
{{- if $values.serviceAccount.create -}}
{{- default (printf "%s-%s" (include "zonekeeper.fullname" .root) .component) $values.serviceAccount.name -}}
{{- else -}}
{{- default "default" $values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "zonekeeper.image" -}}
{{- $values := index .root.Values .component -}}
{{- printf "%s/%s:%s" .root.Values.image.registry $values.image (default .root.Chart.AppVersion .root.Values.image.tag) -}}
{{- end -}}

{{/*
Kafka, the registry and the instance name, as every service reads them. The SASL password stays in its mounted
Secret: Kafka's DirectoryConfigProvider reads it when the client starts.
*/}}
{{- define "zonekeeper.kafkaEnv" -}}
{{- $values := index .root.Values .component -}}
- name: SERVICE_INSTANCE
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: HTTP_PORT
  value: {{ .root.Values.opsPort | quote }}
- name: KAFKA_BOOTSTRAP_SERVERS
  value: {{ required "kafka.bootstrapServers is required" .root.Values.kafka.bootstrapServers | quote }}
- name: SCHEMA_REGISTRY_URL
  value: {{ required "schemaRegistry.url is required" .root.Values.schemaRegistry.url | quote }}
- name: SCHEMA_COMPATIBILITY
  value: {{ .root.Values.schemaRegistry.compatibility | quote }}
- name: KAFKA_CLIENT_SECURITY_PROTOCOL
  value: {{ .root.Values.kafka.securityProtocol | quote }}
{{- if hasPrefix "SASL_" .root.Values.kafka.securityProtocol }}
- name: KAFKA_CLIENT_SASL_MECHANISM
  value: {{ .root.Values.kafka.saslMechanism | quote }}
- name: KAFKA_CLIENT_CONFIG_PROVIDERS
  value: secrets
- name: KAFKA_CLIENT_CONFIG_PROVIDERS_SECRETS_CLASS
  value: org.apache.kafka.common.config.provider.DirectoryConfigProvider
- name: KAFKA_CLIENT_SASL_JAAS_CONFIG
  value: {{ printf "%s required username=\"%s\" password=\"${secrets:/etc/zonekeeper/kafka-user:password}\";" (ternary "org.apache.kafka.common.security.plain.PlainLoginModule" "org.apache.kafka.common.security.scram.ScramLoginModule" (eq .root.Values.kafka.saslMechanism "PLAIN")) $values.kafkaUser.name | quote }}
{{- end }}
{{- if .root.Values.kafka.caSecret.name }}
- name: KAFKA_CLIENT_SSL_TRUSTSTORE_TYPE
  value: PEM
- name: KAFKA_CLIENT_SSL_TRUSTSTORE_LOCATION
  value: {{ printf "/etc/zonekeeper/kafka-ca/%s" .root.Values.kafka.caSecret.key | quote }}
{{- end }}
{{- range $property, $value := .root.Values.kafka.clientProperties }}
- name: {{ printf "KAFKA_CLIENT_%s" ($property | upper | replace "." "_") }}
  value: {{ $value | quote }}
{{- end }}
{{- if $values.registryUserInfoSecret }}
- name: SCHEMA_REGISTRY_USER_INFO_FILE
  value: /etc/zonekeeper/registry-user/user-info
{{- end }}
{{- if .root.Values.schemaRegistry.caSecret.name }}
- name: SCHEMA_REGISTRY_CA_FILE
  value: {{ printf "/etc/zonekeeper/registry-ca/%s" .root.Values.schemaRegistry.caSecret.key | quote }}
{{- end }}
{{- end -}}

{{/* Vault through its Kubernetes auth method, with a projected token of the service's own account. */}}
{{- define "zonekeeper.vaultEnv" -}}
{{- $values := index .root.Values .component -}}
- name: VAULT_ADDR
  value: {{ required "vault.address is required" .root.Values.vault.address | quote }}
- name: VAULT_KV_MOUNT
  value: {{ .root.Values.vault.kvMount | quote }}
- name: VAULT_AUTH_METHOD
  value: kubernetes
- name: VAULT_AUTH_PATH
  value: {{ .root.Values.vault.authPath | quote }}
- name: VAULT_KUBERNETES_ROLE
  value: {{ $values.vaultRole | quote }}
- name: VAULT_KUBERNETES_TOKEN_FILE
  value: /var/run/secrets/vault/token
- name: KUBECONFIG_VAULT_PREFIX
  value: {{ .root.Values.vault.kubeconfigPrefix | quote }}
- name: CLUSTER_CLAIMS_VAULT_PREFIX
  value: {{ .root.Values.vault.clusterClaimsPrefix | quote }}
{{- end -}}

{{- define "zonekeeper.extraEnv" -}}
{{- range $name, $value := .env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* The mounts every service has: /tmp, its Kafka and registry credentials and trust bundles. */}}
{{- define "zonekeeper.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- $values := index .root.Values .component }}
{{- if $values.kafkaUser.passwordSecret }}
- name: kafka-user
  mountPath: /etc/zonekeeper/kafka-user
  readOnly: true
{{- end }}
{{- if .root.Values.kafka.caSecret.name }}
- name: kafka-ca
  mountPath: /etc/zonekeeper/kafka-ca
  readOnly: true
{{- end }}
{{- if $values.registryUserInfoSecret }}
- name: registry-user
  mountPath: /etc/zonekeeper/registry-user
  readOnly: true
{{- end }}
{{- if .root.Values.schemaRegistry.caSecret.name }}
- name: registry-ca
  mountPath: /etc/zonekeeper/registry-ca
  readOnly: true
{{- end }}
{{- end -}}

{{- define "zonekeeper.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{- $values := index .root.Values .component }}
{{- if $values.kafkaUser.passwordSecret }}
- name: kafka-user
  secret:
    secretName: {{ $values.kafkaUser.passwordSecret }}
    items:
      - key: password
        path: password
{{- end }}
{{- if .root.Values.kafka.caSecret.name }}
- name: kafka-ca
  secret:
    secretName: {{ .root.Values.kafka.caSecret.name }}
    items:
      - key: {{ .root.Values.kafka.caSecret.key }}
        path: {{ .root.Values.kafka.caSecret.key }}
{{- end }}
{{- if $values.registryUserInfoSecret }}
- name: registry-user
  secret:
    secretName: {{ $values.registryUserInfoSecret }}
    items:
      - key: user-info
        path: user-info
{{- end }}
{{- if .root.Values.schemaRegistry.caSecret.name }}
- name: registry-ca
  secret:
    secretName: {{ .root.Values.schemaRegistry.caSecret.name }}
    items:
      - key: {{ .root.Values.schemaRegistry.caSecret.key }}
        path: {{ .root.Values.schemaRegistry.caSecret.key }}
{{- end }}
{{- end -}}

{{- define "zonekeeper.vaultTokenVolume" -}}
- name: vault-token
  projected:
    sources:
      - serviceAccountToken:
          audience: {{ .Values.vault.tokenAudience }}
          expirationSeconds: 3600
          path: token
{{- end -}}

{{/*
Probes: ready while the service processes (/ready: a member of its group holding its partitions; the reaper
RUNNING), alive unless /health (a fatal stop) stays down for minutes.
*/}}
{{- define "zonekeeper.probes" -}}
startupProbe:
  httpGet: {path: /health, port: ops}
  periodSeconds: 5
  failureThreshold: 60
readinessProbe:
  httpGet: {path: /ready, port: ops}
  periodSeconds: 10
  failureThreshold: 3
livenessProbe:
  httpGet: {path: /health, port: ops}
  periodSeconds: 30
  failureThreshold: 10
{{- end -}}

{{- define "zonekeeper.scheduling" -}}
{{- $values := index .root.Values .component -}}
{{- with $values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if .root.Values.topologySpread.enabled }}
topologySpreadConstraints:
  - maxSkew: {{ .root.Values.topologySpread.maxSkew }}
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "zonekeeper.selectorLabels" . | nindent 8 }}
  - maxSkew: {{ .root.Values.topologySpread.maxSkew }}
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "zonekeeper.selectorLabels" . | nindent 8 }}
{{- end }}
{{- end -}}

{{/* What only the provisioner or only the cert service reads. */}}
{{- define "zonekeeper.componentEnv" -}}
{{- $values := index .root.Values .component -}}
- name: BASE_DOMAIN
  value: {{ required "baseDomain is required" .root.Values.baseDomain | quote }}
{{- if eq .component "provisioner" }}
- name: PARENT_ZONE_ID
  value: {{ required "provisioner.parentZoneId is required" $values.parentZoneId | quote }}
- name: CREDENTIALS_VAULT_PREFIX
  value: {{ $values.credentialsVaultPrefix | quote }}
- name: AWS_REGION
  value: {{ $values.aws.region | quote }}
{{- with $values.aws.staticCredentialsSecret }}
- name: AWS_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef: {name: {{ . }}, key: AWS_ACCESS_KEY_ID}
- name: AWS_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef: {name: {{ . }}, key: AWS_SECRET_ACCESS_KEY}
{{- end }}
{{- else }}
- name: TLS_VAULT_PREFIX
  value: {{ $values.tlsVaultPrefix | quote }}
{{- end }}
{{- end -}}
