{{/*
Public templates: add the elector sidecar to a pod spec. This chart's StatefulSet uses them, and
so can a parent chart that has elector as a dependency named "elector" (mode: include), passing
its own root context; the templates then read the subchart's values, name and files:

  spec:
    serviceName: {{ include "elector.sidecar.peerServiceName" . }}
    template:
      metadata:
        labels:
          app: web
          {{- include "elector.sidecar.podLabels" . | nindent 10 }}
      spec:
        serviceAccountName: {{ include "elector.sidecar.serviceAccountName" . }}
        containers:
          - name: web
            image: nginx
          {{- include "elector.sidecar.container" . | nindent 10 }}
        volumes:
          {{- include "elector.sidecar.volumes" . | nindent 10 }}
    volumeClaimTemplates:
      {{- include "elector.sidecar.volumeClaimTemplates" . | nindent 6 }}

The parent sets elector.mode=include, elector.include.podSelector (its pods' labels) and, for the
raft backend, elector.include.statefulSetName and elector.replicas.
*/}}

{{/* Runs template (index . 0) with the elector chart's context found from (index . 1). */}}
{{- define "elector.withContext" -}}
{{- $name := index . 0 }}
{{- $context := index . 1 }}
{{- if and (hasKey $context "Subcharts") $context.Subcharts (hasKey $context.Subcharts "elector") }}
{{- $context = index $context.Subcharts "elector" }}
{{- end }}
{{- include $name $context | trim }}
{{- end }}

{{/* The sidecar container, as one item of a `containers:` list. */}}
{{- define "elector.sidecar.container" -}}
{{- include "elector.withContext" (list "elector.container" .) }}
{{- end }}

{{/* The volumes the sidecar mounts, as items of a `volumes:` list (may be empty). */}}
{{- define "elector.sidecar.volumes" -}}
{{- include "elector.withContext" (list "elector.volumes" .) }}
{{- end }}

{{/* The Raft state claim, as items of a StatefulSet's `volumeClaimTemplates:` (may be empty). */}}
{{- define "elector.sidecar.volumeClaimTemplates" -}}
{{- include "elector.withContext" (list "elector.volumeClaimTemplates" .) }}
{{- end }}

{{/* Pod labels the sidecar relies on (the election label), as `key: value` lines. */}}
{{- define "elector.sidecar.podLabels" -}}
{{- include "elector.withContext" (list "elector.podLabels" .) }}
{{- end }}

{{/* The readinessGates entries (empty unless sidecar.readinessCondition.readinessGate). */}}
{{- define "elector.sidecar.readinessGates" -}}
{{- include "elector.withContext" (list "elector.readinessGates" .) }}
{{- end }}

{{- define "elector.sidecar.serviceAccountName" -}}
{{- include "elector.withContext" (list "elector.serviceAccountName" .) }}
{{- end }}

{{- define "elector.sidecar.peerServiceName" -}}
{{- include "elector.withContext" (list "elector.peerServiceName" .) }}
{{- end }}

{{/* ---- Implementations: they take the elector chart's context. ---- */}}

{{- define "elector.podLabels" -}}
{{ .Values.sidecar.electionLabelKey }}: {{ include "elector.election" . | quote }}
{{- end }}

{{- define "elector.readinessGates" -}}
{{- if and .Values.sidecar.readinessCondition.enabled .Values.sidecar.readinessCondition.readinessGate }}
- conditionType: {{ .Values.sidecar.readinessCondition.type | quote }}
{{- end }}
{{- end }}

{{- define "elector.leaderFileDirectory" -}}
{{- dir .Values.sidecar.leaderFile }}
{{- end }}

{{- define "elector.container" -}}
- name: elector
  image: {{ include "elector.image" . | quote }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  env:
    {{- include "elector.env" . | nindent 4 }}
  ports:
    - name: elector-http
      containerPort: {{ .Values.sidecar.httpPort }}
      protocol: TCP
    {{- if eq .Values.backend "raft" }}
    - name: elector-peer
      containerPort: {{ .Values.raft.peerPort }}
      protocol: TCP
    {{- end }}
  {{- with .Values.sidecar.readinessProbe }}
  {{- if .enabled }}
  readinessProbe:
    httpGet:
      path: /readyz
      port: elector-http
    periodSeconds: {{ .periodSeconds }}
    timeoutSeconds: {{ .timeoutSeconds }}
    failureThreshold: {{ .failureThreshold }}
  {{- end }}
  {{- end }}
  {{- with .Values.sidecar.livenessProbe }}
  {{- if .enabled }}
  livenessProbe:
    httpGet:
      path: /healthz
      port: elector-http
    periodSeconds: {{ .periodSeconds }}
    timeoutSeconds: {{ .timeoutSeconds }}
    failureThreshold: {{ .failureThreshold }}
  {{- end }}
  {{- end }}
  {{- with .Values.sidecar.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.sidecar.securityContext }}
  securityContext:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- $mounts := include "elector.volumeMounts" . | trim }}
  {{- if $mounts }}
  volumeMounts:
    {{- $mounts | nindent 4 }}
  {{- end }}
{{- end }}

{{/* Environment: the downward API first, so later values may refer to $(ELECTOR_NAMESPACE). */}}
{{- define "elector.env" -}}
- name: ELECTOR_ID
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: ELECTOR_POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: ELECTOR_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
{{- if and (not .Values.sidecar.advertiseAddress) (not (include "elector.hasPodDnsNames" .)) }}
- name: POD_IP
  valueFrom:
    fieldRef:
      fieldPath: status.podIP
{{- end }}
- name: ELECTOR_BACKEND
  value: {{ .Values.backend | quote }}
- name: ELECTOR_ELECTION
  value: {{ include "elector.election" . | quote }}
- name: ELECTOR_LOG_LEVEL
  value: {{ .Values.sidecar.logLevel | quote }}
- name: ELECTOR_LOG_TIME
  value: {{ .Values.sidecar.logTime | quote }}
- name: ELECTOR_LOG_LEVEL_FORMAT
  value: {{ .Values.sidecar.logLevelFormat | quote }}
- name: ELECTOR_SHUTDOWN_TIMEOUT
  value: {{ .Values.sidecar.shutdownTimeout | quote }}
{{- with .Values.sidecar.priority }}
{{- if .fromPodLabel }}
{{- if ne (int64 .value) 0 }}
{{- fail "sidecar.priority: set value or fromPodLabel, not both (fromPodLabel reads each pod's priority from its label)" }}
{{- end }}
- name: ELECTOR_PRIORITY
  valueFrom:
    fieldRef:
      fieldPath: {{ printf "metadata.labels['%s']" .fromPodLabel | quote }}
{{- else }}
- name: ELECTOR_PRIORITY
  {{- /* int64: helm reads numbers as floats, and 1000000 would print as 1e+06 */}}
  value: {{ int64 .value | toString | quote }}
{{- end }}
- name: ELECTOR_PRIORITY_HANDOVER_DELAY
  value: {{ .handoverDelay | quote }}
{{- end }}
- name: ELECTOR_HTTP_PORT
  value: {{ .Values.sidecar.httpPort | quote }}
- name: ELECTOR_ADVERTISE_ADDRESS
  {{- if .Values.sidecar.advertiseAddress }}
  value: {{ .Values.sidecar.advertiseAddress | quote }}
  {{- else if include "elector.hasPodDnsNames" . }}
  value: {{ printf "$(ELECTOR_POD_NAME).%s:%v" (include "elector.podDomain" .) .Values.sidecar.httpPort | quote }}
  {{- else }}
  value: {{ printf "$(POD_IP):%v" .Values.sidecar.httpPort | quote }}
  {{- end }}
- name: ELECTOR_RESIGN_POLICY
  value: {{ .Values.sidecar.resign.policy | quote }}
{{- if include "elector.generatesResignToken" . }}
- name: ELECTOR_RESIGN_TOKEN_SECRET_NAME
  value: {{ include "elector.resignTokenSecretName" . | quote }}
{{- else if include "elector.usesResignToken" . }}
- name: ELECTOR_RESIGN_TOKEN_FILE
  value: /etc/elector/resign/token
{{- end }}
{{- if .Values.sidecar.leaderFile }}
- name: ELECTOR_LEADER_FILE
  value: {{ .Values.sidecar.leaderFile | quote }}
{{- end }}
- name: ELECTOR_POD_LABELS
  value: {{ .Values.sidecar.podLabels | toString | quote }}
- name: ELECTOR_ROLE_LABEL_KEY
  value: {{ .Values.sidecar.roleLabelKey | quote }}
- name: ELECTOR_ELECTION_LABEL_KEY
  value: {{ .Values.sidecar.electionLabelKey | quote }}
{{- if .Values.sidecar.readinessCondition.enabled }}
- name: ELECTOR_READINESS_CONDITION_TYPE
  value: {{ .Values.sidecar.readinessCondition.type | quote }}
{{- end }}
- name: ELECTOR_POD_EVENTS
  value: {{ .Values.sidecar.events | toString | quote }}
{{- if eq .Values.backend "raft" }}
{{- include "elector.raftEnv" . }}
{{- else if eq .Values.backend "etcd" }}
{{- include "elector.etcdEnv" . }}
{{- else if eq .Values.backend "zookeeper" }}
{{- include "elector.zookeeperEnv" . }}
{{- else if eq .Values.backend "kubernetes" }}
{{- include "elector.kubernetesEnv" . }}
{{- end }}
{{- with .Values.sidecar.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "elector.raftEnv" }}
- name: ELECTOR_MEMBERS
  value: {{ include "elector.members" . | quote }}
- name: ELECTOR_PEER_HOST_TEMPLATE
  value: {{ default (printf "{id}.%s" (include "elector.podDomain" .)) .Values.raft.peerHostTemplate | quote }}
- name: ELECTOR_PEER_PORT
  value: {{ .Values.raft.peerPort | quote }}
{{- if include "elector.generatesClusterSecret" . }}
- name: ELECTOR_CLUSTER_SECRET_NAME
  value: {{ include "elector.clusterSecretName" . | quote }}
{{- else }}
- name: ELECTOR_CLUSTER_SECRET_FILE
  value: /etc/elector/cluster/secret
{{- end }}
- name: ELECTOR_STATE_DIR
  value: /var/lib/elector
- name: ELECTOR_HEARTBEAT_INTERVAL
  value: {{ .Values.raft.heartbeatInterval | quote }}
- name: ELECTOR_ELECTION_TIMEOUT
  value: {{ .Values.raft.electionTimeout | quote }}
- name: ELECTOR_MAX_CLOCK_DRIFT
  value: {{ .Values.raft.maxClockDrift | toString | quote }}
{{- end }}

{{- define "elector.etcdEnv" }}
- name: ELECTOR_ETCD_ENDPOINTS
  value: {{ join "," .Values.etcd.endpoints | quote }}
- name: ELECTOR_ETCD_LEASE_TTL
  value: {{ .Values.etcd.leaseTtl | quote }}
{{- if .Values.etcd.tls.enabled }}
- name: ELECTOR_ETCD_CA_FILE
  value: /etc/elector/etcd-tls/ca.crt
{{- if .Values.etcd.tls.clientCertificate }}
- name: ELECTOR_ETCD_CERT_FILE
  value: /etc/elector/etcd-tls/tls.crt
- name: ELECTOR_ETCD_KEY_FILE
  value: /etc/elector/etcd-tls/tls.key
{{- end }}
{{- end }}
{{- if .Values.etcd.auth.username }}
- name: ELECTOR_ETCD_USERNAME
  value: {{ .Values.etcd.auth.username | quote }}
- name: ELECTOR_ETCD_PASSWORD_FILE
  value: /etc/elector/etcd-auth/password
{{- end }}
{{- end }}

{{- define "elector.zookeeperEnv" }}
- name: ELECTOR_ZOOKEEPER_CONNECT
  value: {{ .Values.zookeeper.connect | quote }}
{{- if .Values.zookeeper.chroot }}
- name: ELECTOR_ZOOKEEPER_CHROOT
  value: {{ .Values.zookeeper.chroot | quote }}
{{- end }}
- name: ELECTOR_ZOOKEEPER_SESSION_TIMEOUT
  value: {{ .Values.zookeeper.sessionTimeout | quote }}
{{- if .Values.zookeeper.authSecret.name }}
- name: ELECTOR_ZOOKEEPER_AUTH_FILE
  value: /etc/elector/zookeeper-auth/auth
{{- end }}
{{- end }}

{{- define "elector.kubernetesEnv" }}
- name: ELECTOR_LEASE_NAME
  value: {{ include "elector.leaseName" . | quote }}
- name: ELECTOR_LEASE_DURATION
  value: {{ .Values.kubernetes.leaseDuration | quote }}
- name: ELECTOR_LEASE_RENEW_DEADLINE
  value: {{ .Values.kubernetes.renewDeadline | quote }}
- name: ELECTOR_LEASE_RETRY_PERIOD
  value: {{ .Values.kubernetes.retryPeriod | quote }}
{{- end }}

{{/* The service account token at the path in-cluster clients read it from. */}}
{{- define "elector.serviceAccountTokenMount" -}}
- name: elector-kube-api-access
  mountPath: /var/run/secrets/kubernetes.io/serviceaccount
  readOnly: true
{{- end }}

{{- define "elector.volumeMounts" -}}
{{- if include "elector.usesKubernetesApi" . }}
{{ include "elector.serviceAccountTokenMount" . }}
{{- end }}
{{- if eq .Values.backend "raft" }}
- name: elector-state
  mountPath: /var/lib/elector
{{- if not (include "elector.generatesClusterSecret" .) }}
- name: elector-cluster-secret
  mountPath: /etc/elector/cluster
  readOnly: true
{{- end }}
{{- end }}
{{- if and (eq .Values.backend "etcd") .Values.etcd.tls.enabled }}
- name: elector-etcd-tls
  mountPath: /etc/elector/etcd-tls
  readOnly: true
{{- end }}
{{- if and (eq .Values.backend "etcd") .Values.etcd.auth.username }}
- name: elector-etcd-auth
  mountPath: /etc/elector/etcd-auth
  readOnly: true
{{- end }}
{{- if and (eq .Values.backend "zookeeper") .Values.zookeeper.authSecret.name }}
- name: elector-zookeeper-auth
  mountPath: /etc/elector/zookeeper-auth
  readOnly: true
{{- end }}
{{- if and (include "elector.usesResignToken" .) (not (include "elector.generatesResignToken" .)) }}
- name: elector-resign-token
  mountPath: /etc/elector/resign
  readOnly: true
{{- end }}
{{- if .Values.sidecar.leaderFile }}
- name: elector-leader
  mountPath: {{ include "elector.leaderFileDirectory" . }}
{{- end }}
{{- end }}

{{- define "elector.volumes" -}}
{{- if include "elector.usesKubernetesApi" . }}
{{- /* What automountServiceAccountToken would mount, for the containers that name it only. */}}
- name: elector-kube-api-access
  projected:
    defaultMode: 0444
    sources:
      - serviceAccountToken:
          path: token
          expirationSeconds: 3607
      - configMap:
          name: kube-root-ca.crt
          items:
            - key: ca.crt
              path: ca.crt
      - downwardAPI:
          items:
            - path: namespace
              fieldRef:
                fieldPath: metadata.namespace
{{- end }}
{{- if eq .Values.backend "raft" }}
{{- if eq .Values.raft.stateVolume.type "emptyDir" }}
- name: elector-state
  emptyDir: {}
{{- end }}
{{- if not (include "elector.generatesClusterSecret" .) }}
- name: elector-cluster-secret
  secret:
    secretName: {{ include "elector.clusterSecretName" . }}
    items:
      - key: {{ .Values.raft.clusterSecret.key }}
        path: secret
{{- end }}
{{- end }}
{{- if and (eq .Values.backend "etcd") .Values.etcd.tls.enabled }}
- name: elector-etcd-tls
  secret:
    secretName: {{ .Values.etcd.tls.secretName }}
    items:
      - key: {{ .Values.etcd.tls.caKey }}
        path: ca.crt
      {{- if .Values.etcd.tls.clientCertificate }}
      - key: {{ .Values.etcd.tls.certKey }}
        path: tls.crt
      - key: {{ .Values.etcd.tls.keyKey }}
        path: tls.key
      {{- end }}
{{- end }}
{{- if and (eq .Values.backend "etcd") .Values.etcd.auth.username }}
- name: elector-etcd-auth
  secret:
    secretName: {{ .Values.etcd.auth.passwordSecret.name }}
    items:
      - key: {{ .Values.etcd.auth.passwordSecret.key }}
        path: password
{{- end }}
{{- if and (eq .Values.backend "zookeeper") .Values.zookeeper.authSecret.name }}
- name: elector-zookeeper-auth
  secret:
    secretName: {{ .Values.zookeeper.authSecret.name }}
    items:
      - key: {{ .Values.zookeeper.authSecret.key }}
        path: auth
{{- end }}
{{- if and (include "elector.usesResignToken" .) (not (include "elector.generatesResignToken" .)) }}
- name: elector-resign-token
  secret:
    secretName: {{ .Values.sidecar.resign.tokenSecret.name }}
    items:
      - key: {{ .Values.sidecar.resign.tokenSecret.key }}
        path: token
{{- end }}
{{- if .Values.sidecar.leaderFile }}
- name: elector-leader
  emptyDir: {}
{{- end }}
{{- end }}

{{- define "elector.volumeClaimTemplates" -}}
{{- if and (eq .Values.backend "raft") (eq .Values.raft.stateVolume.type "persistentVolumeClaim") }}
- apiVersion: v1
  kind: PersistentVolumeClaim
  metadata:
    name: elector-state
    labels:
      {{- include "elector.selectorLabels" . | nindent 6 }}
  spec:
    accessModes: [ReadWriteOnce]
    {{- with .Values.raft.stateVolume.storageClassName }}
    storageClassName: {{ . | quote }}
    {{- end }}
    resources:
      requests:
        storage: {{ .Values.raft.stateVolume.size }}
{{- end }}
{{- end }}
