{{/* Names, labels and the per-service, per-process configuration. */}}

{{- define "sextant.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "sextant.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "sextant.commonLabels" -}}
helm.sh/chart: {{ include "sextant.chart" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: sextant
{{- end -}}

{{- define "sextant.labels" -}}
{{ include "sextant.commonLabels" . }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Selector labels of one process of one service: (dict "root" $ "service" "feedback" "process" "api") */}}
{{- define "sextant.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .process }}
sextant.dev/service: {{ .service }}
{{- end -}}

{{- define "sextant.processLabels" -}}
{{ include "sextant.commonLabels" .root }}
{{ include "sextant.selectorLabels" . }}
{{- end -}}

{{- define "sextant.processName" -}}
{{- printf "%s-%s-%s" (include "sextant.fullname" .root) .service .process | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The merged settings of one process of one service, as YAML: processes.<p> overlaid with services.<s>.<p>. */}}
{{- define "sextant.processValues" -}}
{{- $defaults := index .root.Values.processes .process | default dict -}}
{{- $override := index .serviceValues .process | default dict -}}
{{- mergeOverwrite (deepCopy $defaults) (deepCopy $override) | toYaml -}}
{{- end -}}

{{- define "sextant.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "sextant.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "sextant.postgresSecretName" -}}
{{- if .Values.postgres.existingSecret -}}
{{- .Values.postgres.existingSecret -}}
{{- else -}}
{{- printf "%s-postgres" (include "sextant.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "sextant.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The events topic of a service. */}}
{{- define "sextant.eventsTopic" -}}
{{- printf "sextant.%s.events.v1" . -}}
{{- end -}}

{{/* Processes a service runs, in order. */}}
{{- define "sextant.processKinds" -}}
api relay projector
{{- end -}}
