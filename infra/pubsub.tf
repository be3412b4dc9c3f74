# --- Fanout: tick publishes {"community": ID}; run_community handles each --------------

resource "google_pubsub_topic" "fanout" {
  #checkov:skip=CKV_GCP_83:Short-lived notifications (a community id; a mailbox address and history id); Google-managed encryption suffices, CMEK would add a KMS key to manage and pay for.
  name                       = "${var.name_prefix}-fanout"
  message_retention_duration = "86400s"
  depends_on                 = [google_project_service.apis]
}

# Only tick publishes a community's turn.
resource "google_pubsub_topic_iam_member" "tick_publishes_fanout" {
  topic  = google_pubsub_topic.fanout.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.tick.email}"
}

# --- Unsubscribes: web publishes {"token": T}; the unsubscribe function applies it ---------
# The public web function only reads the store: a member's one-click unsubscribe is
# published here, and the unsubscribe function (which may write) takes them off the rota.

resource "google_pubsub_topic" "unsubscribe" {
  #checkov:skip=CKV_GCP_83:Short-lived notifications (a signed unsubscribe token); Google-managed encryption suffices, CMEK would add a KMS key to manage and pay for.
  name                       = "${var.name_prefix}-unsubscribe"
  message_retention_duration = "604800s"
  depends_on                 = [google_project_service.apis]
}

resource "google_pubsub_topic_iam_member" "web_publishes_unsubscribe" {
  topic  = google_pubsub_topic.unsubscribe.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.web.email}"
}

# --- Gmail push notifications (for the Gmail inbox) --------------------------------------
# The tick calls users.watch on the inbox mailbox with this topic (COP_GMAIL_TOPIC) once a
# day, and Gmail publishes a notification here on each new inbox message, as
# gmail-api-push@system.gserviceaccount.com. The inbox function's push subscription
# (below) delivers it; the tick also polls the mailbox, so a lost notification only
# delays a reply.

resource "google_pubsub_topic" "gmail_push" {
  #checkov:skip=CKV_GCP_83:Short-lived notifications (a community id; a mailbox address and history id); Google-managed encryption suffices, CMEK would add a KMS key to manage and pay for.
  name       = "${var.name_prefix}-gmail-push"
  depends_on = [google_project_service.apis]
}

resource "google_pubsub_topic_iam_member" "gmail_publishes_push" {
  topic  = google_pubsub_topic.gmail_push.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:gmail-api-push@system.gserviceaccount.com"
}

# --- Push subscriptions: Pub/Sub calls the functions over HTTP ----------------------------
# Each carries an OIDC token of its own invoker account (the only account that may invoke
# its function, iam.tf), retries with backoff while the function answers other than 2xx,
# and moves a message to its dead-letter topic after 10 deliveries. The functions answer
# 2xx to a message they cannot read (logged: a redelivery would not help), 5xx to a
# temporary failure.

locals {
  push_subscriptions = {
    run_community = {
      topic        = google_pubsub_topic.fanout.id
      invoker      = google_service_account.fanout_trigger.email
      ack_deadline = 600 # the most Pub/Sub allows; run_community may take 540 s
      dead_letter  = "${var.name_prefix}-fanout-dead-letter"
    }
    inbox = {
      topic        = google_pubsub_topic.gmail_push.id
      invoker      = google_service_account.inbox_trigger.email
      ack_deadline = 360 # inbox may take 300 s
      dead_letter  = "${var.name_prefix}-gmail-push-dead-letter"
    }
    unsubscribe = {
      topic        = google_pubsub_topic.unsubscribe.id
      invoker      = google_service_account.unsubscribe_trigger.email
      ack_deadline = 60 # unsubscribe may take 60 s
      dead_letter  = "${var.name_prefix}-unsubscribe-dead-letter"
    }
  }
}

resource "google_pubsub_subscription" "push" {
  for_each                   = local.push_subscriptions
  name                       = "${local.function_names[each.key]}-push"
  topic                      = each.value.topic
  ack_deadline_seconds       = each.value.ack_deadline # an answer after it is a failure
  message_retention_duration = "604800s"               # dead-lettered long before (10 deliveries)

  push_config {
    push_endpoint = google_cloudfunctions2_function.http[each.key].service_config[0].uri

    oidc_token {
      service_account_email = each.value.invoker
      audience              = google_cloudfunctions2_function.http[each.key].service_config[0].uri
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter[each.key].id
    max_delivery_attempts = 10
  }

  expiration_policy {
    ttl = "" # never expires for lack of deliveries
  }

  depends_on = [
    google_cloud_run_v2_service_iam_binding.invoker,
    google_service_account_iam_member.pubsub_tokens_for_trigger,
  ]
}

# --- Dead letters: what a function failed ten times, kept 7 days to look at ---------------
#   gcloud pubsub subscriptions pull NAME --limit 10 (output dead_letter_subscriptions)

resource "google_pubsub_topic" "dead_letter" {
  #checkov:skip=CKV_GCP_83:Short-lived notifications (a community id; a mailbox address and history id); Google-managed encryption suffices, CMEK would add a KMS key to manage and pay for.
  for_each                   = local.push_subscriptions
  name                       = each.value.dead_letter
  message_retention_duration = "604800s"
  depends_on                 = [google_project_service.apis]
}

resource "google_pubsub_subscription" "dead_letter" {
  for_each                   = local.push_subscriptions
  name                       = each.value.dead_letter
  topic                      = google_pubsub_topic.dead_letter[each.key].id
  message_retention_duration = "604800s" # 7 days to look at what failed
  ack_deadline_seconds       = 60

  expiration_policy {
    ttl = "" # never expires for lack of pulls
  }
}

# Dead lettering is done by Pub/Sub's service agent: it publishes to the dead-letter topic
# and acknowledges the message on the subscription it came from.
resource "google_pubsub_topic_iam_member" "pubsub_forwards_dead_letters" {
  for_each = local.push_subscriptions
  topic    = google_pubsub_topic.dead_letter[each.key].id
  role     = "roles/pubsub.publisher"
  member   = "serviceAccount:${local.pubsub_service_agent}"
}

resource "google_pubsub_subscription_iam_member" "pubsub_acks_dead_letters" {
  for_each     = local.push_subscriptions
  subscription = google_pubsub_subscription.push[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${local.pubsub_service_agent}"
}

moved {
  from = google_pubsub_topic.fanout_dead_letter
  to   = google_pubsub_topic.dead_letter["run_community"]
}

moved {
  from = google_pubsub_subscription.fanout_dead_letter
  to   = google_pubsub_subscription.dead_letter["run_community"]
}

moved {
  from = google_pubsub_topic_iam_member.pubsub_forwards_dead_letters
  to   = google_pubsub_topic_iam_member.pubsub_forwards_dead_letters["run_community"]
}
