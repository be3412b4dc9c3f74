# Alerts to the operators (alert_email) and a budget. Log-based metrics count what the
# functions log (JSON, one line per event): a 429 from Gmail, a sender's day used up.

resource "google_monitoring_notification_channel" "operators" {
  display_name = "cop-rota operators"
  type         = "email"
  labels = {
    email_address = var.alert_email
  }
  depends_on = [google_project_service.apis]
}

locals {
  # What each log-based metric counts (a filter over the functions' logs).
  log_metrics = {
    errors    = "severity>=ERROR"
    gmail_429 = "jsonPayload.message:\"HTTP 429\""
    daily_cap = "jsonPayload.message:\"daily limit is reached\""
  }
  # Any of these in five minutes is worth a look.
  log_alerts = {
    errors    = "cop-rota: a function failed"
    gmail_429 = "cop-rota: Gmail refused sends with 429 (the pace is not kept)"
    daily_cap = "cop-rota: the sender's daily limit was reached (mail waits for tomorrow)"
  }
  functions_logs = "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=starts_with(\"${var.name_prefix}-\")"
}

resource "google_logging_metric" "cop" {
  for_each = local.log_metrics
  name     = "${var.name_prefix}-${replace(each.key, "_", "-")}"
  filter   = "${local.functions_logs} AND ${each.value}"

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
  }
  depends_on = [google_project_service.apis]
}

resource "google_monitoring_alert_policy" "logged" {
  for_each     = local.log_alerts
  display_name = each.value
  combiner     = "OR"

  conditions {
    display_name = each.value
    condition_threshold {
      filter          = "resource.type=\"cloud_run_revision\" AND metric.type=\"logging.googleapis.com/user/${var.name_prefix}-${replace(each.key, "_", "-")}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_SUM"
      }
    }
  }

  notification_channels = [google_monitoring_notification_channel.operators.id]
  depends_on            = [google_logging_metric.cop]
}

# Messages a function failed for good (fanout, Gmail push): they wait in a dead-letter
# subscription (pubsub.tf), all named PREFIX-…-dead-letter.
resource "google_monitoring_alert_policy" "dead_letters" {
  display_name = "cop-rota: dead letters waiting"
  combiner     = "OR"

  conditions {
    display_name = "messages in a dead-letter subscription"
    condition_threshold {
      filter          = "resource.type=\"pubsub_subscription\" AND resource.labels.subscription_id=monitoring.regex.full_match(\"${var.name_prefix}-.*-dead-letter\") AND metric.type=\"pubsub.googleapis.com/subscription/num_undelivered_messages\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "300s"
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  notification_channels = [google_monitoring_notification_channel.operators.id]
  depends_on            = [google_project_service.apis]
}

# The scheduler calls tick every 15 minutes: an hour without a call means nothing runs.
resource "google_monitoring_alert_policy" "no_tick" {
  display_name = "cop-rota: no tick for an hour"
  combiner     = "OR"

  conditions {
    display_name = "no request to ${local.function_names.tick}"
    condition_absent {
      filter   = "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"${local.function_names.tick}\" AND metric.type=\"run.googleapis.com/request_count\""
      duration = "3600s"
      aggregations {
        alignment_period   = "900s"
        per_series_aligner = "ALIGN_SUM"
      }
    }
  }

  notification_channels = [google_monitoring_notification_channel.operators.id]
  depends_on            = [google_project_service.apis]
}

# A monthly budget on the project, told to the operators at half, 90% and all of it.
resource "google_billing_budget" "cop" {
  count           = var.billing_account == null ? 0 : 1
  billing_account = var.billing_account
  display_name    = "cop-rota ${var.project_id}"

  budget_filter {
    projects = ["projects/${local.project_number}"]
  }

  amount {
    specified_amount {
      currency_code = var.budget_currency
      units         = tostring(var.budget_amount)
    }
  }

  threshold_rules {
    threshold_percent = 0.5
  }
  threshold_rules {
    threshold_percent = 0.9
  }
  threshold_rules {
    threshold_percent = 1.0
  }

  all_updates_rule {
    monitoring_notification_channels = [google_monitoring_notification_channel.operators.id]
    disable_default_iam_recipients   = false
  }

  depends_on = [google_project_service.apis]
}
