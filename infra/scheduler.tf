# The one trigger of the whole system: every 15 minutes, POST to tick with an OIDC token
# of the scheduler's account (the only account allowed to invoke tick, iam.tf).

resource "google_cloud_scheduler_job" "tick" {
  name        = "${var.name_prefix}-tick"
  region      = var.region
  description = "Runs the rota's due jobs (cop-rota tick)."
  schedule    = "*/15 * * * *"
  time_zone   = "Etc/UTC" # communities' own time zones are handled by the code

  # A little longer than the function's timeout (120 s).
  attempt_deadline = "180s"

  # A failed tick is retried a couple of times before the next one is due; each job is
  # claimed by a deterministic key, so a retry does nothing twice.
  retry_config {
    retry_count          = 2
    min_backoff_duration = "30s"
    max_backoff_duration = "120s"
    max_doublings        = 2
    max_retry_duration   = "600s"
  }

  http_target {
    http_method = "POST"
    uri         = google_cloudfunctions2_function.http["tick"].service_config[0].uri

    oidc_token {
      service_account_email = google_service_account.scheduler.email
      audience              = google_cloudfunctions2_function.http["tick"].service_config[0].uri
    }
  }

  depends_on = [google_cloud_run_v2_service_iam_binding.invoker["tick"]]
}
