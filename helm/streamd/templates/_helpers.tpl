{{/* The release's resource name: the release name, with the chart name unless it already holds it. */}}
{{- define "streamd.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The headless Service that gives each pod the DNS name it announces. */}}
{{- define "streamd.headless" -}}
{{- printf "%s-pods" (include "streamd.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "streamd.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "streamd.labels" -}}
{{ include "streamd.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The Secret holding the SASL password: an existing one, or the chart's. */}}
{{- define "streamd.saslSecret" -}}
{{- if .Values.kafka.sasl.existingSecret -}}
{{- .Values.kafka.sasl.existingSecret -}}
{{- else -}}
{{- printf "%s-kafka" (include "streamd.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* A ConfigMap key for an app file path (keys cannot hold "/"). */}}
{{- define "streamd.fileKey" -}}
{{- . | replace "/" "__" -}}
{{- end -}}
