{{/*
Helpers. Every one of them takes the elector chart's own context (its .Values, .Release, .Chart),
also when a parent chart includes the sidecar: the public templates in _sidecar.tpl switch to the
subchart's context first (see "elector.context").
*/}}

{{- define "elector.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "elector.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* A name derived from the full name, kept within 63 characters. */}}
{{- define "elector.suffixed" -}}
{{- $root := index . 0 }}
{{- $suffix := index . 1 }}
{{- printf "%s-%s" (include "elector.fullname" $root | trunc (int (sub 62 (len $suffix))) | trimSuffix "-") $suffix }}
{{- end }}

{{- define "elector.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "elector.selectorLabels" -}}
app.kubernetes.io/name: {{ include "elector.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "elector.labels" -}}
helm.sh/chart: {{ include "elector.chart" . }}
{{ include "elector.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: elector
{{- end }}

{{/* The labels that select the pods of this election: the chart's own, or the includer's. */}}
{{- define "elector.podSelectorLabels" -}}
{{- if eq .Values.mode "include" }}
{{- toYaml .Values.include.podSelector }}
{{- else }}
{{- include "elector.selectorLabels" . }}
{{- end }}
{{- end }}

{{- define "elector.election" -}}
{{- default (include "elector.fullname" .) .Values.election }}
{{- end }}

{{- define "elector.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "elector.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "elector.peerServiceName" -}}
{{- default (include "elector.suffixed" (list . "peers")) .Values.peerService.name }}
{{- end }}

{{- define "elector.clusterSecretName" -}}
{{- default (include "elector.suffixed" (list . "cluster-secret")) .Values.raft.clusterSecret.existingSecret }}
{{- end }}

{{/* Whether the sidecar creates the Raft cluster secret (no existingSecret given). */}}
{{- define "elector.generatesClusterSecret" -}}
{{- if and (eq .Values.backend "raft") (not .Values.raft.clusterSecret.existingSecret) }}true{{ end }}
{{- end }}

{{/* Whether the resign policy takes a token. */}}
{{- define "elector.usesResignToken" -}}
{{- if ne .Values.sidecar.resign.policy "loopback" }}true{{ end }}
{{- end }}

{{/* Whether the sidecar creates the resign token (a token policy without a Secret given). */}}
{{- define "elector.generatesResignToken" -}}
{{- if and (include "elector.usesResignToken" .) (not .Values.sidecar.resign.tokenSecret.name) }}true{{ end }}
{{- end }}

{{- define "elector.resignTokenSecretName" -}}
{{- default (include "elector.suffixed" (list . "resign-token")) .Values.sidecar.resign.tokenSecret.name }}
{{- end }}

{{- define "elector.statefulSetName" -}}
{{- if eq .Values.mode "include" }}
{{- .Values.include.statefulSetName }}
{{- else }}
{{- include "elector.fullname" . }}
{{- end }}
{{- end }}

{{/* Raft member IDs, comma-separated: the pod names of the StatefulSet. */}}
{{- define "elector.members" -}}
{{- if .Values.raft.members }}
{{- join "," .Values.raft.members }}
{{- else }}
{{- $statefulSet := include "elector.statefulSetName" . }}
{{- $names := list }}
{{- range $ordinal := until (int .Values.replicas) }}
{{- $names = append $names (printf "%s-%d" $statefulSet $ordinal) }}
{{- end }}
{{- join "," $names }}
{{- end }}
{{- end }}

{{/* Whether pods have stable DNS names <pod>.<peers Service>: a StatefulSet governs them. */}}
{{- define "elector.hasPodDnsNames" -}}
{{- if or (eq .Values.mode "statefulset") .Values.include.statefulSetName }}true{{ end }}
{{- end }}

{{/* The DNS suffix of pods behind the peers Service; the namespace comes from the downward API. */}}
{{- define "elector.podDomain" -}}
{{- printf "%s.$(ELECTOR_NAMESPACE).svc.%s" (include "elector.peerServiceName" .) .Values.raft.clusterDomain }}
{{- end }}

{{- define "elector.leaseName" -}}
{{- default (printf "elector-%s" (include "elector.election" .)) .Values.kubernetes.leaseName }}
{{- end }}

{{/* The sidecar image: repository@digest when a digest is set, else repository:tag. */}}
{{- define "elector.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Whether the sidecar talks to the Kubernetes API (pod labels, the Lease backend, generated Secrets). */}}
{{- define "elector.usesKubernetesApi" -}}
{{- if or .Values.sidecar.podLabels (eq .Values.backend "kubernetes") (include "elector.generatesClusterSecret" .) (include "elector.generatesResignToken" .) }}true{{ end }}
{{- end }}

{{/* The leader Service's target port: set, else the first workload port, else the sidecar's. */}}
{{- define "elector.leaderTargetPort" -}}
{{- if .Values.leaderService.targetPort }}
{{- .Values.leaderService.targetPort }}
{{- else if and (eq .Values.mode "statefulset") .Values.workload.image.repository .Values.workload.ports }}
{{- $first := first .Values.workload.ports }}
{{- default $first.containerPort $first.name }}
{{- else }}
{{- print "elector-http" }}
{{- end }}
{{- end }}

{{/*
The pod affinity: `affinity` as given when set; else the anti-affinity podAntiAffinity.type asks
for among this release's pods (soft: preferred, hard: required, none: nothing).
*/}}
{{- define "elector.affinity" -}}
{{- if .Values.affinity }}
{{- toYaml .Values.affinity }}
{{- else if eq .Values.podAntiAffinity.type "soft" }}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: {{ .Values.podAntiAffinity.weight }}
      podAffinityTerm:
        topologyKey: {{ .Values.podAntiAffinity.topologyKey }}
        labelSelector:
          matchLabels:
            {{- include "elector.selectorLabels" . | nindent 12 }}
{{- else if eq .Values.podAntiAffinity.type "hard" }}
podAntiAffinity:
  requiredDuringSchedulingIgnoredDuringExecution:
    - topologyKey: {{ .Values.podAntiAffinity.topologyKey }}
      labelSelector:
        matchLabels:
          {{- include "elector.selectorLabels" . | nindent 10 }}
{{- end }}
{{- end }}

{{/* topologySpreadConstraints as given; an entry without a labelSelector selects this release's pods. */}}
{{- define "elector.topologySpreadConstraints" -}}
{{- $selector := include "elector.selectorLabels" . | fromYaml }}
{{- $constraints := list }}
{{- range .Values.topologySpreadConstraints }}
{{- if hasKey . "labelSelector" }}
{{- $constraints = append $constraints . }}
{{- else }}
{{- $constraints = append $constraints (merge (dict "labelSelector" (dict "matchLabels" $selector)) .) }}
{{- end }}
{{- end }}
{{- with $constraints }}
{{- toYaml . }}
{{- end }}
{{- end }}

{{/* Whether the chart renders a PodDisruptionBudget: as set, or by default for a Raft StatefulSet. */}}
{{- define "elector.hasPodDisruptionBudget" -}}
{{- $enabled := .Values.podDisruptionBudget.enabled }}
{{- if eq (toString $enabled) "auto" }}
{{- if and (eq .Values.backend "raft") (eq .Values.mode "statefulset") }}true{{ end }}
{{- else if $enabled }}true{{ end }}
{{- end }}

{{/* The helm test image: repository:tag, or repository@digest when a digest is set. */}}
{{- define "elector.testImage" -}}
{{- with .Values.tests.image }}
{{- if .digest }}
{{- printf "%s@%s" .repository .digest }}
{{- else }}
{{- printf "%s:%s" .repository .tag }}
{{- end }}
{{- end }}
{{- end }}
