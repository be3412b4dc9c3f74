output "tick_url" {
  description = "URL of the tick function (invocable by the scheduler's account only)."
  value       = google_cloudfunctions2_function.http["tick"].service_config[0].uri
}

output "web_url" {
  description = "URL Cloud Run reports for the web function."
  value       = google_cloudfunctions2_function.http["web"].service_config[0].uri
}

output "public_url" {
  description = "COP_PUBLIC_URL as configured: links in emails point here."
  value       = local.public_url
}

output "run_community_function" {
  description = "Name of the function that handles fanout messages."
  value       = google_cloudfunctions2_function.http["run_community"].name
}

output "inbox_function" {
  description = "Name of the function that reads replies when Gmail announces new mail."
  value       = google_cloudfunctions2_function.http["inbox"].name
}

output "function_service_accounts" {
  description = "Identity of each function (each runs as its own account)."
  value       = local.function_accounts
}

output "mailbox_service_account_client_ids" {
  description = "Client IDs of the accounts that act as the rota's mailbox, to authorise for domain-wide delegation (only if that option is chosen) in the Workspace admin console."
  value = {
    tick          = google_service_account.tick.unique_id
    run_community = google_service_account.run_community.unique_id
    inbox         = google_service_account.inbox.unique_id
    console       = google_service_account.console.unique_id
  }
}

output "scheduler_service_account" {
  description = "Identity of the Cloud Scheduler job; the only invoker of tick."
  value       = google_service_account.scheduler.email
}

output "fanout_trigger_service_account" {
  description = "Identity of the push subscription; the only invoker of run_community."
  value       = google_service_account.fanout_trigger.email
}

output "inbox_trigger_service_account" {
  description = "Identity of the Gmail push subscription; the only invoker of inbox."
  value       = google_service_account.inbox_trigger.email
}

output "build_service_account" {
  description = "Identity of the functions' builds."
  value       = google_service_account.build.email
}

output "fanout_topic" {
  description = "COP_FANOUT topic."
  value       = google_pubsub_topic.fanout.id
}

output "gmail_push_topic" {
  description = "Topic for Gmail push notifications (users.watch topicName)."
  value       = google_pubsub_topic.gmail_push.id
}

output "secret" {
  description = "Secret Manager secret holding COP_SECRET."
  value       = google_secret_manager_secret.cop.id
}

output "scheduler_job" {
  description = "Name of the Cloud Scheduler job (gcloud scheduler jobs run NAME --location REGION)."
  value       = google_cloud_scheduler_job.tick.name
}

output "dead_letter_subscriptions" {
  description = "Pull subscriptions holding each push subscription's dead letters (gcloud pubsub subscriptions pull NAME)."
  value       = { for key, sub in google_pubsub_subscription.dead_letter : key => sub.name }
}
